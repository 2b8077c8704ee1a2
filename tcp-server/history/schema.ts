/**
 * The history database's schema, as migrations: migration i (0-based) takes
 * a database from `PRAGMA user_version` i to i + 1, all pending ones in one
 * transaction at open. Add a migration to change the schema; never edit one
 * that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the public lines. `id` is assigned by the server (increasing, never
  // given twice), `time` is ms since the epoch.
  `CREATE TABLE messages (
     id   INTEGER PRIMARY KEY,
     time INTEGER NOT NULL,
     name TEXT    NOT NULL,
     text TEXT    NOT NULL
   ) STRICT`,
  // 2: the labels clients put on their lines (issue 13), with the `+ack` each
  // got: `message_id` is the public line's id, NULL for a line without one
  // (private). `seq` (the rowid, named so VACUUM keeps it) grows with every
  // label remembered: the oldest are deleted by a range below a threshold,
  // and the lookup is by the label's own unique index.
  `CREATE TABLE labels (
     seq        INTEGER PRIMARY KEY,
     label      TEXT    NOT NULL UNIQUE,
     message_id INTEGER,
     time       INTEGER NOT NULL
   ) STRICT`,
];

/** The user_version of a database this version has fully migrated. */
export const SCHEMA_VERSION = MIGRATIONS.length;
