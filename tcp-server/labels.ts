/**
 * Where the chat server remembers the labels of lines it handled
 * (docs/PROTOCOL.md, Labels). The history store does it, in the same
 * transaction as the turn's lines (tcp-server/history/); a store without
 * that support gets this bounded in-memory stand-in, oldest forgotten first.
 */

/** A label's first outcome: `id` null for a private line, an error, or no history. */
export interface LabelRecordLike {
  label: string;
  id: number | null;
  time: number;
}

export interface LabelStore {
  rememberLabel(record: LabelRecordLike): void;
  findLabel(label: string): LabelRecordLike | undefined;
}

/** Default of CHAT_LABELS_MAX: the labels remembered. */
export const DEFAULT_LABELS_MAX = 100_000;

export class MemoryLabels implements LabelStore {
  /** A Map keeps insertion order: the first key is the oldest. */
  private readonly labels = new Map<string, LabelRecordLike>();

  constructor(readonly max: number = DEFAULT_LABELS_MAX) {}

  rememberLabel(record: LabelRecordLike): void {
    this.labels.set(record.label, record);
    if (this.labels.size > this.max) this.labels.delete(this.labels.keys().next().value!);
  }

  findLabel(label: string): LabelRecordLike | undefined {
    return this.labels.get(label);
  }
}

/** The history store when it remembers labels, else a memory of `max` labels. */
export function labelStoreFor(history: object, max: number = DEFAULT_LABELS_MAX): LabelStore {
  const h = history as Partial<LabelStore>;
  if (typeof h.rememberLabel === 'function' && typeof h.findLabel === 'function') return h as LabelStore;
  return new MemoryLabels(max);
}
