/**
 * The history store the settings ask for: CHAT_HISTORY=off gives none (line
 * labels then live in memory), otherwise SQLite at CHAT_DB (labels with the
 * lines, in the file or in `:memory:`); either keeps CHAT_LABELS_MAX labels.
 * A database that cannot be used is a configuration error naming CHAT_DB and
 * the path (exit code 2).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../../common/env.ts';
import { SERVER_SETTINGS, type ServerConfig } from '../config.ts';
import { DisabledHistory, type HistoryStore } from './history-store.ts';
import { HistoryOpenError, SqliteHistoryStore } from './sqlite-history-store.ts';

export const MEMORY_DB = ':memory:';

export function openHistoryStore(
  config: Pick<ServerConfig, 'db' | 'historyMode' | 'historyMax' | 'labelsMax'>,
  log: (line: string) => void = () => {},
  cwd: string = process.cwd(),
): HistoryStore {
  if (config.historyMode === 'off') return new DisabledHistory({ labelsMax: config.labelsMax });
  const variable = SERVER_SETTINGS.db.env;
  const path = config.db === MEMORY_DB ? MEMORY_DB : resolve(cwd, config.db);
  if (path !== MEMORY_DB) {
    const folder = dirname(path);
    try {
      mkdirSync(folder, { recursive: true });
    } catch (error) {
      throw new ConfigError(
        `${variable}: cannot create the folder ${folder} for the history database ${path} (${(error as Error).message})`,
      );
    }
  }
  try {
    return SqliteHistoryStore.open(path, { max: config.historyMax, labelsMax: config.labelsMax, log });
  } catch (error) {
    if (error instanceof HistoryOpenError) throw new ConfigError(`${variable}: ${error.message}`);
    throw error;
  }
}
