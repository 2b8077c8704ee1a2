/**
 * History in SQLite (better-sqlite3, synchronous): a file, or `:memory:`.
 *
 * - WAL with synchronous=NORMAL: a commit is in the WAL file before commit()
 *   returns, so a process crash (kill -9) loses nothing committed; only an OS
 *   crash or power loss can lose the last commits before a checkpoint.
 * - EXCLUSIVE locking: one chat server owns the file while it runs (ids are
 *   assigned here, in memory, so two writers would collide); a second one is
 *   refused at start. It also means no shared-memory file is needed.
 * - Ids come from a counter, so a line's id is known when it is appended,
 *   before the turn's transaction commits. The counter starts above both the
 *   largest stored id and the clock in ms: ids keep growing across restarts
 *   even when the store starts empty (`:memory:`, a deleted file) or lost its
 *   last lines to a write error, so a client's "since id" is never fooled by
 *   old ids given again.
 * - The history is the newest `max` rows: readers never see older ones, and
 *   the rows behind them are deleted TRIM_BATCH at a time. Deleting one row
 *   per line doubled the cost of a one-line commit (measured: about 120
 *   against 60 µs on this machine); a range delete every TRIM_BATCH lines
 *   costs next to nothing.
 * - Labels (issue 13) are rows of `labels`, written in the turn's transaction
 *   with its lines, so a crash loses a line and its label together or
 *   neither. Until commit they wait in memory, where findLabel sees them.
 *   Only the newest `labelsMax` are visible, by the same device as lines: a
 *   label's `seq` grows by one per label, so the window is `seq > newest -
 *   labelsMax` (no count, no scan), and the rows behind it are deleted by one
 *   range delete every TRIM_BATCH labels.
 */
import Database from 'better-sqlite3';
import { SERVER_SETTINGS } from '../config.ts';
import type { HistoryStore, LabelRecord, NewLine, StoredLine } from './history-store.ts';
import { LabelMemory } from './label-memory.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.ts';

export interface SqliteHistoryOptions {
  /** Lines kept; older ones are deleted as new ones arrive. */
  max: number;
  /** Where write and read errors are reported (once per outage). */
  log?: (line: string) => void;
  /** Labels kept (CHAT_LABELS_MAX); older ones are forgotten as new ones arrive. */
  labelsMax?: number;
}

/** Rows (lines or labels) behind the window are deleted once there are this many. */
const TRIM_BATCH = 100;

/** The database could not be opened as a history; the file was not changed. */
export class HistoryOpenError extends Error {
  readonly code = 'ERR_HISTORY_OPEN';
}

export class SqliteHistoryStore implements HistoryStore {
  readonly enabled = true;
  private nextId: number;
  /** Rows in the table (the window and what is behind it), kept here so a turn needs no COUNT(*). */
  private count: number;
  private pending: StoredLine[] = [];
  private failing = false;
  private readFailing = false;
  private labelReadFailing = false;
  private closed = false;
  private readonly max: number;
  private readonly labelsMax: number;
  /** This turn's labels, written by the next commit. */
  private readonly pendingLabels: LabelMemory;
  /**
   * Labels of turns whose write failed: their lines were still delivered, so
   * a resend must still be recognised while this process runs.
   */
  private readonly unsavedLabels: LabelMemory;
  /** The newest label's seq in the table (0: none yet). */
  private labelSeq: number;
  /** Every label row with a seq up to this one is deleted. */
  private labelFloor: number;
  private readonly selectLabel: Database.Statement<[string, number], LabelRecord>;
  private readonly log: (line: string) => void;
  private readonly selectRecent: Database.Statement<[number], StoredLine>;
  private readonly selectSince: Database.Statement<[number, number, number], StoredLine>;
  /** Writes a turn's rows and labels (and trims when asked); returns how many rows were new and the newest label seq. */
  private readonly writeTurn: (turn: Turn) => { added: number; labelSeq: number };

  /** Opens (creating it if needed) and migrates the database at `path`. Throws HistoryOpenError. */
  static open(path: string, options: SqliteHistoryOptions): SqliteHistoryStore {
    let db: Database.Database;
    try {
      // timeout 0: a busy database is an answer now, never a stalled event loop.
      db = new Database(path, { timeout: 0 });
    } catch (error) {
      throw new HistoryOpenError(`cannot open the history database ${path}: ${messageOf(error)}`);
    }
    try {
      prepare(db, path);
      return new SqliteHistoryStore(db, options);
    } catch (error) {
      db.close();
      throw error instanceof HistoryOpenError ? error : openError(error, path);
    }
  }

  private constructor(
    /** The open database, for tools and tests (e.g. PRAGMA max_page_count). */
    readonly database: Database.Database,
    options: SqliteHistoryOptions,
  ) {
    const db = database;
    this.max = options.max;
    this.labelsMax = options.labelsMax ?? SERVER_SETTINGS.labelsMax.default;
    this.pendingLabels = new LabelMemory(this.labelsMax);
    this.unsavedLabels = new LabelMemory(this.labelsMax);
    this.log = options.log ?? (() => {});
    const last = db.prepare<[], { id: number | null; n: number }>('SELECT max(id) AS id, count(*) AS n FROM messages').get()!;
    this.nextId = Math.max((last.id ?? 0) + 1, Date.now());
    this.count = last.n;
    this.selectRecent = db.prepare('SELECT id, time, name, text FROM messages ORDER BY id DESC LIMIT ?');
    // The window's lower bound: the newest row beyond the `max` newest (none: 0).
    const behind = '(SELECT id FROM messages ORDER BY id DESC LIMIT 1 OFFSET ?)';
    this.selectSince = db.prepare(
      `SELECT id, time, name, text FROM messages WHERE id > ? AND id > coalesce(${behind}, 0) ORDER BY id LIMIT ?`,
    );
    // OR IGNORE: a line a cluster hands over again (insert) is a repeat.
    const insert = db.prepare<[number, number, string, string]>(
      'INSERT OR IGNORE INTO messages (id, time, name, text) VALUES (?, ?, ?, ?)',
    );
    const trim = db.prepare<[number]>(`DELETE FROM messages WHERE id <= ${behind}`);
    // Both ends by the seq index: no scan however many labels there are.
    const seqs = db.prepare<[], { first: number | null; last: number | null }>(
      'SELECT min(seq) AS first, max(seq) AS last FROM labels',
    ).get()!;
    this.labelSeq = seqs.last ?? 0;
    this.labelFloor = seqs.first === null ? this.labelSeq : seqs.first - 1;
    this.selectLabel = db.prepare('SELECT label, message_id AS id, time FROM labels WHERE label = ? AND seq > ?');
    // REPLACE: the only row a new label can meet is one behind the window
    // (findLabel answers for those in it first), forgotten already.
    const insertLabel = db.prepare<[string, number | null, number]>(
      'INSERT OR REPLACE INTO labels (label, message_id, time) VALUES (?, ?, ?)',
    );
    const trimLabels = db.prepare<[number]>('DELETE FROM labels WHERE seq <= ?');
    this.writeTurn = db.transaction((turn: Turn) => {
      let added = 0;
      for (const r of turn.rows) added += insert.run(r.id, r.time, r.name, r.text).changes;
      if (turn.trim) trim.run(this.max);
      let labelSeq = this.labelSeq;
      for (const l of turn.labels) labelSeq = Number(insertLabel.run(l.label, l.id, l.time).lastInsertRowid);
      if (turn.trimLabels) trimLabels.run(labelSeq - this.labelsMax);
      return { added, labelSeq };
    });
    // A lower CHAT_HISTORY_MAX or CHAT_LABELS_MAX than last time applies at once.
    const trimLines = this.count > this.max;
    const trimLabelsNow = this.labelSeq - this.labelFloor > this.labelsMax;
    if (trimLines || trimLabelsNow) {
      this.writeTurn({ rows: [], trim: trimLines, labels: [], trimLabels: trimLabelsNow });
      if (trimLines) this.count = this.max;
      if (trimLabelsNow) this.labelFloor = this.labelSeq - this.labelsMax;
    }
  }

  append(line: NewLine): number {
    const id = this.nextId++;
    if (!this.closed) this.pending.push({ id, time: line.time, name: line.name, text: line.text });
    return id;
  }

  insert(line: StoredLine): void {
    // A later append (a server that left the cluster) stays above every id it was given.
    if (line.id >= this.nextId) this.nextId = line.id + 1;
    if (!this.closed) this.pending.push({ id: line.id, time: line.time, name: line.name, text: line.text });
  }

  rememberLabel(record: LabelRecord): void {
    if (this.closed || this.findLabel(record.label) !== undefined) return;
    this.pendingLabels.remember(record);
  }

  findLabel(label: string): LabelRecord | undefined {
    if (this.closed) return undefined;
    const known = this.pendingLabels.find(label) ?? this.unsavedLabels.find(label);
    if (known !== undefined) return known;
    // The window counts this turn's labels as the newest.
    const floor = this.labelSeq + this.pendingLabels.size - this.labelsMax;
    try {
      const row = this.selectLabel.get(label, floor);
      this.labelReadFailing = false;
      return row;
    } catch (error) {
      // Not found: the line is taken as new. Better a possible repeat than a lost line.
      if (!this.labelReadFailing) {
        this.labelReadFailing = true;
        this.log(`history: cannot read labels (${messageOf(error)}); a resent line may be shown twice`);
      }
      return undefined;
    }
  }

  commit(): void {
    if (this.pending.length === 0 && this.pendingLabels.size === 0) return;
    const rows = this.pending;
    this.pending = [];
    const labels = this.pendingLabels.take();
    const trimNow = this.count + rows.length - this.max >= TRIM_BATCH;
    const trimLabels = this.labelSeq + labels.length - this.labelFloor - this.labelsMax >= TRIM_BATCH;
    try {
      const { added, labelSeq } = this.writeTurn({ rows, trim: trimNow, labels, trimLabels });
      this.count = trimNow ? Math.min(this.max, this.count + added) : this.count + added;
      this.labelSeq = labelSeq;
      if (trimLabels) this.labelFloor = labelSeq - this.labelsMax;
      if (this.failing) {
        this.failing = false;
        this.log('history: storing lines again');
      }
    } catch (error) {
      // The lines were (or are about to be) delivered live: the chat goes on,
      // only their place in the history is lost. Their labels stay known
      // while this process runs, so a resend is still not shown twice.
      for (const l of labels) this.unsavedLabels.remember(l);
      if (!this.failing) {
        this.failing = true;
        this.log(`history: cannot store lines (${messageOf(error)}); they are still delivered, storing resumes when writes succeed`);
      }
    }
  }

  recent(n: number): StoredLine[] {
    return this.read(() => this.selectRecent.all(Math.min(n, this.max)).reverse());
  }

  since(afterId: number, limit: number): StoredLine[] {
    return this.read(() => this.selectSince.all(afterId, this.max, limit));
  }

  close(): void {
    if (this.closed) return;
    this.commit();
    this.closed = true;
    this.database.close();
  }

  private read(query: () => StoredLine[]): StoredLine[] {
    if (this.closed) return [];
    this.commit();
    try {
      const rows = query();
      this.readFailing = false;
      return rows;
    } catch (error) {
      if (!this.readFailing) {
        this.readFailing = true;
        this.log(`history: cannot read lines (${messageOf(error)})`);
      }
      return [];
    }
  }
}

/** One commit's writes. */
interface Turn {
  rows: StoredLine[];
  /** Delete the lines behind the window. */
  trim: boolean;
  labels: LabelRecord[];
  /** Delete the labels behind the window. */
  trimLabels: boolean;
}

/**
 * Checks what is at `path` before writing anything to it, then sets the
 * modes and migrates. A file that is not ours is refused and left as it was.
 */
function prepare(db: Database.Database, path: string): void {
  const memory = db.memory;
  // Before the first read, so no shared-memory file is ever used.
  if (!memory) db.pragma('locking_mode = EXCLUSIVE');
  let version: number;
  try {
    // The first read of the file: a file that is not SQLite fails here, untouched.
    version = db.pragma('user_version', { simple: true }) as number;
    if (version === 0) {
      const objects = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sqlite_master').get()!.n;
      if (objects > 0) {
        throw new HistoryOpenError(`${path} is a SQLite database of another program (tables but no chat schema); it was left untouched`);
      }
    }
  } catch (error) {
    if (error instanceof HistoryOpenError) throw error;
    throw openError(error, path);
  }
  if (version > SCHEMA_VERSION) {
    throw new HistoryOpenError(
      `${path} was written by a newer version of the chat (schema ${version}, this one knows ${SCHEMA_VERSION}); it was left untouched`,
    );
  }
  try {
    if (!memory) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // Take the write lock now, so a second server is refused at start
      // rather than failing its first commit.
      db.exec('BEGIN EXCLUSIVE; COMMIT');
    }
    db.transaction(() => {
      for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
      if (version !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  } catch (error) {
    throw openError(error, path);
  }
}

function openError(error: unknown, path: string): HistoryOpenError {
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_NOTADB') return new HistoryOpenError(`${path} is not a SQLite database; it was left untouched`);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new HistoryOpenError(`${path} is in use by another process (another chat server on the same CHAT_DB?)`);
  }
  return new HistoryOpenError(`cannot use the history database ${path}: ${messageOf(error)}`);
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
