/**
 * A process that uses the history store as the chat server does, for tests
 * that kill it with `kill -9` (SIGKILL): no server, just the store at
 * CHAT_DB with CHAT_LABELS_MAX from the environment.
 *
 * It appends LABELS_COUNT public lines `linha <i>` labelled `pub-<i>` and
 * remembers LABELS_COUNT private labels `priv-<i>`, one commit per line as
 * the server's turns would, and prints `committed <first id> <last id>`.
 * Then it starts one more turn (line `perdida`, label `lost`) that it never
 * commits, prints `pending`, and waits to be killed.
 */
import { serverConfigFromEnv } from '../../tcp-server/config.ts';
import { openHistoryStore } from '../../tcp-server/history/open-history.ts';

const config = serverConfigFromEnv();
const store = openHistoryStore(config, (line) => process.stderr.write(`${line}\n`));
const count = Number(process.env['LABELS_COUNT'] ?? '10');
const ids: number[] = [];
for (let i = 0; i < count; i++) {
  const time = 1_700_000_000_000 + i;
  const id = store.append({ time, name: 'ana', text: `linha ${i}` });
  store.rememberLabel({ label: `pub-${i}`, id, time });
  store.rememberLabel({ label: `priv-${i}`, id: null, time });
  store.commit();
  ids.push(id);
}
process.stdout.write(`committed ${ids[0] ?? '-'} ${ids.at(-1) ?? '-'}\n`);

const id = store.append({ time: 1_800_000_000_000, name: 'ana', text: 'perdida' });
store.rememberLabel({ label: 'lost', id, time: 1_800_000_000_000 });
// Seen before its commit, as the server's dedup needs within a turn.
if (store.findLabel('lost')?.id !== id) process.exit(3);
process.stdout.write('pending\n');
setInterval(() => {}, 60_000);
