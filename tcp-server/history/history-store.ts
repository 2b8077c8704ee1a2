/**
 * The room's memory of public lines, behind one small interface so the chat
 * server does not care where lines are kept: SQLite (a file, or `:memory:`),
 * nowhere (CHAT_HISTORY=off), or later a store fed by a cluster.
 *
 * The contract the chat server relies on ("nothing delivered is forgotten"):
 * `append` gives a line its id at once (so the line can be formatted with
 * it), and every line appended is durable once `commit` returns. The server
 * calls `commit` before any bytes of the turn reach a socket.
 *
 * Labels (issue 13, docs/PROTOCOL.md): the store also remembers the label a
 * client put on a line, with the `+ack` it got, in the same transaction as
 * the turn's lines: after a crash and restart a line that was stored is
 * recognised when the page resends it, and a line that was lost is not
 * (line and label are lost together). In a cluster (tcp-server/cluster/) ids come from the
 * cluster's sequence: every node stores the room's lines from the shared
 * log with `insert`, and nobody calls `append`.
 */

import { SERVER_SETTINGS } from '../config.ts';
import { LabelMemory } from './label-memory.ts';

/** A public line as the server hands it over. */
export interface NewLine {
  /** Server clock, ms since the epoch. */
  time: number;
  /** The sender's name (always a valid name). */
  name: string;
  /** Sanitised text, as broadcast. */
  text: string;
}

/** A line as stored: ids increase with every line appended. */
export interface StoredLine extends NewLine {
  id: number;
}

/**
 * A line's label and the confirmation it got (`+ack <id> <time> <label>`),
 * so that a resend gets the same answer. `id` is null for a line with no
 * history id: a private line, or any line with history off.
 */
export interface LabelRecord {
  label: string;
  id: number | null;
  time: number;
}

export interface HistoryStore {
  /** False when history is off: nothing is kept and `/history` says so. */
  readonly enabled: boolean;
  /**
   * Queues a line for the current turn's transaction and returns its id.
   * Never throws: a store that cannot write says so in its log.
   */
  append(line: NewLine): number;
  /**
   * Queues a line whose id was given elsewhere (a cluster's shared log,
   * tcp-server/cluster/) for the current turn's transaction, like `append`.
   * A line whose id is stored already is ignored: a repeat. Never throws.
   */
  insert(line: StoredLine): void;
  /**
   * Makes every line appended so far durable (one transaction for all of
   * them). Cheap when nothing is pending: it runs before every socket write.
   * Never throws: on a write error the lines are dropped from the history
   * (they were still delivered), the error is logged once, and later
   * commits try again.
   */
  commit(): void;
  /** The last `n` lines, oldest first (commits what is pending first). */
  recent(n: number): StoredLine[];
  /** Up to `limit` lines with an id above `afterId`, oldest first. */
  since(afterId: number, limit: number): StoredLine[];
  /**
   * Remembers a label; written in the same transaction as this turn's
   * appended lines (commit()). A label known already keeps its first record.
   * Only the newest CHAT_LABELS_MAX labels are kept. Never throws.
   */
  rememberLabel(record: LabelRecord): void;
  /** A label remembered earlier, committed or not yet (this turn's too), or undefined. */
  findLabel(label: string): LabelRecord | undefined;
  /** Commits and releases the store; later calls do nothing. */
  close(): void;
}

/**
 * CHAT_HISTORY=off: keeps no lines. Labels live in memory only (a crash
 * forgets them, so a line resent after it may be shown twice).
 */
export class DisabledHistory implements HistoryStore {
  readonly enabled = false;
  private readonly labels: LabelMemory;
  constructor({ labelsMax = SERVER_SETTINGS.labelsMax.default }: { labelsMax?: number } = {}) {
    this.labels = new LabelMemory(labelsMax);
  }
  append(): number {
    return 0;
  }
  insert(): void {}
  commit(): void {}
  recent(): StoredLine[] {
    return [];
  }
  since(): StoredLine[] {
    return [];
  }
  rememberLabel(record: LabelRecord): void {
    this.labels.remember(record);
  }
  findLabel(label: string): LabelRecord | undefined {
    return this.labels.find(label);
  }
  close(): void {}
}
