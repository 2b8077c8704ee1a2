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
 */
import Database from 'better-sqlite3';
import type { HistoryStore, HistoryWrites, NewLine, StoredLine } from './history-store.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.ts';

export interface SqliteHistoryOptions {
  /** Lines kept; older ones are deleted as new ones arrive. */
  max: number;
  /** Where write and read errors are reported (once per outage). */
  log?: (line: string) => void;
}

/** Rows behind the window are deleted once there are this many. */
const TRIM_BATCH = 100;

/** The database could not be opened as a history; the file was not changed. */
export class HistoryOpenError extends Error {
  readonly code = 'ERR_HISTORY_OPEN';
}

export class SqliteHistoryStore implements HistoryStore {
  readonly enabled = true;
  readonly writes: HistoryWrites = { lines: 0, failures: 0, lostLines: 0 };
  private nextId: number;
  /** Rows in the table (the window and what is behind it), kept here so a turn needs no COUNT(*). */
  private count: number;
  private pending: StoredLine[] = [];
  private failing = false;
  private readFailing = false;
  private closed = false;
  private readonly max: number;
  private readonly log: (line: string) => void;
  private readonly selectRecent: Database.Statement<[number], StoredLine>;
  private readonly selectSince: Database.Statement<[number, number, number], StoredLine>;
  /** Writes a turn's rows (and trims when asked); returns how many rows were new. */
  private readonly writeTurn: (rows: StoredLine[], trim: boolean) => number;

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
    this.writeTurn = db.transaction((rows: StoredLine[], trimNow: boolean) => {
      let added = 0;
      for (const r of rows) added += insert.run(r.id, r.time, r.name, r.text).changes;
      if (trimNow) trim.run(this.max);
      return added;
    });
    // A lower CHAT_HISTORY_MAX than last time applies at once.
    if (this.count > this.max) {
      this.writeTurn([], true);
      this.count = this.max;
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

  commit(): void {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    const trimNow = this.count + rows.length - this.max >= TRIM_BATCH;
    try {
      const added = this.writeTurn(rows, trimNow);
      this.writes.lines += added;
      this.count = trimNow ? Math.min(this.max, this.count + added) : this.count + added;
      if (this.failing) {
        this.failing = false;
        this.log('history: storing lines again');
      }
    } catch (error) {
      // The lines were (or are about to be) delivered live: the chat goes on,
      // only their place in the history is lost.
      this.writes.failures++;
      this.writes.lostLines += rows.length;
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
