/**
 * The history database's schema, as migrations: migration i (0-based) takes
 * a database from `PRAGMA user_version` i to i + 1. Add a migration to
 * change the schema (the session-resume work will add a column for the
 * page's line labels); never edit one that has shipped.
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
];

/** The user_version of a database this version has fully migrated. */
export const SCHEMA_VERSION = MIGRATIONS.length;
