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
 * Room to grow: a line the page labelled (session resume) adds a field to
 * NewLine and a migration to schema.ts, so a resent line can be recognised
 * after a restart. In a cluster (tcp-server/cluster/) ids come from the
 * cluster's sequence: every node stores the room's lines from the shared
 * log with `insert`, and nobody calls `append`.
 */

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
  /** Commits and releases the store; later calls do nothing. */
  close(): void;
  /** What commits wrote and lost, for the metrics (absent: the store writes nothing). */
  readonly writes?: HistoryWrites;
}

/** Counted by a store as it commits (tcp-server/metrics/ reads them when scraped). */
export interface HistoryWrites {
  /** Lines stored (a repeat handed over again by a cluster is not counted). */
  lines: number;
  /** Transactions that failed: their lines were delivered but are not in the history. */
  failures: number;
  /** The lines of those transactions. */
  lostLines: number;
}

/** CHAT_HISTORY=off: keeps nothing. */
export class DisabledHistory implements HistoryStore {
  readonly enabled = false;
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
  close(): void {}
}
