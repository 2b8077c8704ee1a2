/**
 * The SQLite history store on real database files in a temporary folder.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HistoryOpenError, SqliteHistoryStore } from '../../../tcp-server/history/sqlite-history-store.ts';
import { SCHEMA_VERSION } from '../../../tcp-server/history/schema.ts';

let dir: string;
const open: SqliteHistoryStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chat-history-'));
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function openStore(path = join(dir, 'chat.db'), max = 10_000, log: (l: string) => void = () => {}) {
  const store = SqliteHistoryStore.open(path, { max, log });
  open.push(store);
  return store;
}
const rowsInFile = (store: SqliteHistoryStore) =>
  store.database.prepare<[], { n: number }>('SELECT count(*) AS n FROM messages').get()!.n;
const line = (text: string, name = 'ana', time = 1_700_000_000_000) => ({ time, name, text });

describe('storing and reading', () => {
  it('gives increasing ids at append time and reads lines back oldest first', () => {
    const store = openStore();
    const first = store.append(line('um'));
    expect(store.append(line('dois', 'bruno', 1_700_000_060_000))).toBe(first + 1);
    store.commit();
    expect(store.recent(20)).toEqual([
      { id: first, time: 1_700_000_000_000, name: 'ana', text: 'um' },
      { id: first + 1, time: 1_700_000_060_000, name: 'bruno', text: 'dois' },
    ]);
    expect(store.recent(1).map((r) => r.text)).toEqual(['dois']);
    expect(store.since(first, 10).map((r) => r.text)).toEqual(['dois']);
    expect(store.since(0, 1).map((r) => r.text)).toEqual(['um']);
  });

  it('starts an empty store’s ids above the clock, so ids grow even across a store that starts over', () => {
    const before = Date.now();
    const store = openStore(':memory:');
    expect(store.append(line('primeira'))).toBeGreaterThanOrEqual(before);
  });

  it('reads lines appended this turn (a read commits what is pending first)', () => {
    const store = openStore();
    store.append(line('ainda não commitada'));
    expect(store.recent(5).map((r) => r.text)).toEqual(['ainda não commitada']);
  });

  it('keeps lines and ids across a reopen, continuing after the last id', () => {
    const path = join(dir, 'chat.db');
    const first = openStore(path);
    first.append(line('a'));
    const b = first.append(line('b'));
    first.close();
    const again = openStore(path);
    expect(again.recent(10).map((r) => r.text)).toEqual(['a', 'b']);
    expect(again.append(line('c'))).toBeGreaterThan(b);
  });

  it('uses WAL, synchronous=NORMAL and records its schema version', () => {
    const store = openStore();
    expect(store.database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.database.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(store.database.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
  });

  it('keeps only the newest `max` lines, deleting older ones as new ones arrive', () => {
    const path = join(dir, 'chat.db');
    const store = openStore(path, 5);
    let last = 0;
    for (let i = 1; i <= 12; i++) {
      last = store.append(line(`m${i}`));
      if (i % 4 === 0) store.commit();
    }
    expect(store.recent(200).map((r) => r.text)).toEqual(['m8', 'm9', 'm10', 'm11', 'm12']);
    store.close();
    // A lower limit at the next start applies at once.
    const smaller = openStore(path, 2);
    expect(smaller.recent(200).map((r) => r.text)).toEqual(['m11', 'm12']);
    expect(smaller.since(0, 200).map((r) => r.text)).toEqual(['m11', 'm12']);
    expect(rowsInFile(smaller)).toBe(2);
    expect(smaller.append(line('m13'))).toBeGreaterThan(last);
  });

  it('deletes the rows behind the window from the file, a batch at a time', () => {
    const store = openStore(join(dir, 'chat.db'), 5);
    for (let i = 1; i <= 1000; i++) {
      store.append(line(`m${i}`));
      store.commit();
      expect(rowsInFile(store)).toBeLessThanOrEqual(5 + 100);
    }
    expect(store.since(0, 200).map((r) => r.text)).toEqual(['m996', 'm997', 'm998', 'm999', 'm1000']);
  });

  it('works in memory, for the life of the store', () => {
    const store = openStore(':memory:');
    store.append(line('efêmera'));
    expect(store.recent(1).map((r) => r.text)).toEqual(['efêmera']);
  });
});

describe('lines whose ids a cluster gave (insert)', () => {
  it('stores them with their ids, ignores repeats, and keeps the window by id', () => {
    const store = openStore(join(dir, 'chat.db'), 3);
    for (const id of [10, 20, 20, 30]) store.insert({ id, ...line(`l${id}`) });
    store.commit();
    expect(store.recent(10).map((r) => [r.id, r.text])).toEqual([
      [10, 'l10'],
      [20, 'l20'],
      [30, 'l30'],
    ]);
    // A line published again after an outage may come late, with its own (lower) id.
    store.insert({ id: 25, ...line('late') });
    store.insert({ id: 40, ...line('l40') });
    expect(store.recent(10).map((r) => r.id)).toEqual([25, 30, 40]);
    expect(store.since(25, 10).map((r) => r.id)).toEqual([30, 40]);
  });

  it('keeps a later append above every id it was given', () => {
    const store = openStore(':memory:');
    const far = Date.now() + 1_000_000;
    store.insert({ id: far, ...line('from the cluster') });
    expect(store.append(line('local'))).toBe(far + 1);
  });

  it('keeps the newest `max` lines once each when lines are handed over again', () => {
    const store = openStore(join(dir, 'chat.db'), 150);
    for (let round = 0; round < 2; round++) {
      for (let i = 1; i <= 300; i++) store.insert({ id: i, ...line(`l${i}`) });
      store.commit();
    }
    const ids = store.recent(1000).map((r) => r.id);
    expect(ids).toEqual(Array.from({ length: 150 }, (_, i) => 151 + i));
  });
});

describe('write errors (a real SQLITE_FULL through PRAGMA max_page_count)', () => {
  it('logs once, drops only the lines it could not store, and resumes when writes succeed', () => {
    const log: string[] = [];
    const store = openStore(join(dir, 'chat.db'), 10_000, (l) => log.push(l));
    store.append(line('antes'));
    store.commit();
    const pages = store.database.pragma('page_count', { simple: true }) as number;
    store.database.pragma(`max_page_count = ${pages}`);
    for (let i = 0; i < 20; i++) {
      store.append(line(`cheio ${i} ${'x'.repeat(2000)}`));
      store.commit();
    }
    expect(log.filter((l) => l.includes('SQLITE_FULL'))).toHaveLength(1);
    expect(log[0]).toMatch(/^history: cannot store lines \(SQLITE_FULL: database or disk is full\)/);
    store.database.pragma('max_page_count = 1000000');
    const id = store.append(line('depois'));
    store.commit();
    expect(log.at(-1)).toBe('history: storing lines again');
    const texts = store.recent(200).map((r) => r.text);
    expect(texts[0]).toBe('antes');
    expect(texts.at(-1)).toBe('depois');
    expect(store.recent(1)[0]!.id).toBe(id);
  });
});

describe('opening what is at the path', () => {
  it('refuses a file that is not SQLite and leaves it byte for byte as it was, with no side files', () => {
    const path = join(dir, 'notes.txt');
    const bytes = Buffer.from('meu diário, não é um banco de dados\n'.repeat(300));
    writeFileSync(path, bytes);
    expect(() => SqliteHistoryStore.open(path, { max: 10 })).toThrow(HistoryOpenError);
    expect(() => SqliteHistoryStore.open(path, { max: 10 })).toThrow(`${path} is not a SQLite database; it was left untouched`);
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('refuses another program’s SQLite database and leaves it as it was', () => {
    const path = join(dir, 'other.db');
    const other = new Database(path);
    other.exec("CREATE TABLE t (x); INSERT INTO t VALUES ('dados')");
    other.close();
    const before = readFileSync(path);
    expect(() => SqliteHistoryStore.open(path, { max: 10 })).toThrow(/is a SQLite database of another program/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses a database from a newer version of the chat', () => {
    const path = join(dir, 'newer.db');
    const newer = new Database(path);
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();
    expect(() => SqliteHistoryStore.open(path, { max: 10 })).toThrow(
      `was written by a newer version of the chat (schema ${SCHEMA_VERSION + 1}, this one knows ${SCHEMA_VERSION})`,
    );
  });

  it('refuses a database another store holds (one server per file)', () => {
    const path = join(dir, 'chat.db');
    const first = openStore(path);
    first.append(line('minha'));
    first.commit();
    expect(() => SqliteHistoryStore.open(path, { max: 10 })).toThrow(/is in use by another process/);
    expect(first.recent(1).map((r) => r.text)).toEqual(['minha']);
  });

  it('refuses a path it cannot open (a folder)', () => {
    expect(() => SqliteHistoryStore.open(dir, { max: 10 })).toThrow(`cannot open the history database ${dir}`);
  });

  it('takes an empty file as a new database', () => {
    const path = join(dir, 'empty.db');
    writeFileSync(path, '');
    const store = openStore(path);
    store.append(line('primeira'));
    expect(store.recent(1).map((r) => r.text)).toEqual(['primeira']);
    expect(existsSync(path)).toBe(true);
  });
});
