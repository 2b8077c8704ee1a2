/**
 * A cluster node as its own process, for tests that kill it (`kill -9`,
 * SIGSTOP): a room link with the settings from the environment (the
 * cluster's variables), no chat server. Arguments: names to claim. It prints
 * `ready <node id>` once they are all held, then one line per event; each
 * stdin line `say <name> <text>` publishes a public line. SIGTERM leaves the
 * room cleanly.
 */
import { createInterface } from 'node:readline';
import { clusterConfigFromEnv } from '../../tcp-server/cluster/cluster-config.ts';
import { openRoomLink } from '../../tcp-server/cluster/open-room-link.ts';
import { DisabledHistory } from '../../tcp-server/history/history-store.ts';

const config = clusterConfigFromEnv();
const link = openRoomLink<string>(config, new DisabledHistory(), 0, (line) => process.stderr.write(`${line}\n`));
await link.start((event) => {
  const what = event.type === 'public' ? `${event.line.name}: ${event.line.text}` : 'name' in event ? event.name : event.from;
  process.stdout.write(`${event.type} ${what}\n`);
});
for (const name of process.argv.slice(2)) {
  const result = await link.claim(name, name);
  if (result !== 'ok') {
    process.stderr.write(`claim ${name}: ${result}\n`);
    process.exit(3);
  }
}
process.stdout.write(`ready ${link.nodeId}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  const m = /^say (\S+) (.*)$/.exec(line);
  if (m) link.publishPublic(m[1]!, m[2]!, m[1]!);
});
process.on('SIGTERM', () => void link.close().then(() => process.exit(0)));
