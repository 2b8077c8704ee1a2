/**
 * Line labels kept in the process's memory: the whole label store when
 * nothing is on disk (CHAT_HISTORY=off), and the SQLite store's labels of the
 * current turn and of turns it could not write. A crash forgets them: with
 * history off a resent line may then be shown twice (README, CHAT_LABELS_MAX).
 *
 * A Map keeps insertion order, so its first key is the oldest label: keeping
 * at most `max` costs one delete per insert, never a scan.
 */
import type { LabelRecord } from './history-store.ts';

export class LabelMemory {
  private readonly records = new Map<string, LabelRecord>();

  constructor(
    /** Labels kept; the oldest is forgotten when one more arrives. */
    readonly max: number,
  ) {}

  get size(): number {
    return this.records.size;
  }

  /**
   * Remembers `record` unless its label is known already: the first answer
   * for a label is the one a resend must get again.
   */
  remember(record: LabelRecord): void {
    if (this.records.has(record.label)) return;
    this.records.set(record.label, { label: record.label, id: record.id, time: record.time });
    if (this.records.size > this.max) this.records.delete(this.records.keys().next().value!);
  }

  find(label: string): LabelRecord | undefined {
    return this.records.get(label);
  }

  /** Every label, oldest first, and forgets them (a turn handed to the database). */
  take(): LabelRecord[] {
    const all = [...this.records.values()];
    this.records.clear();
    return all;
  }
}
