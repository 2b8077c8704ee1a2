/**
 * The Redis server of the cluster workload: Debian's `redis-server` on a
 * free loopback port, its folder in the temporary directory, in its own
 * process group like every process the bench starts (so killEverything
 * stops it, even on Ctrl-C), and the folder removed with it.
 *
 * Without persistence: the workload never restarts Redis, and writing an
 * append-only file would add disk work that a benchmark of the room link
 * should not measure.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { REDIS_READY_RE, freePort, redisServerArgs } from '../common/redis-server.ts';
import { type Service, onEverythingKilled, startProcess } from './processes.ts';
import { type CommandCalls, parseCommandStats } from './redis-commands.ts';
import { DB_FOLDER_PREFIX } from './servers.ts';

/** Prefix of Redis's temporary folders (under the servers' prefix, so one pattern finds all the bench leaves). */
export const REDIS_FOLDER_PREFIX = `${DB_FOLDER_PREFIX}redis-`;
/** A free port can be taken by someone else before Redis binds it: tries on fresh ports. */
const START_ATTEMPTS = 5;

const folders = new Set<string>();
onEverythingKilled(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  folders.clear();
});

export interface BenchRedis {
  /** Stopping it also removes its folder. */
  service: Service;
  url: string;
  /** Calls per command so far (INFO commandstats). */
  commandCalls(): Promise<CommandCalls>;
}

/** Stops the run early, with what to do, when Debian's redis-server is not installed. */
export function checkRedisInstalled(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error('the cluster workload needs redis-server (Debian package redis-server; scripts/ensure-system-deps.sh installs it)');
  }
}

export async function startRedis(): Promise<BenchRedis> {
  const dir = mkdtempSync(join(tmpdir(), REDIS_FOLDER_PREFIX));
  folders.add(dir);
  const removeFolder = () => {
    rmSync(dir, { recursive: true, force: true });
    folders.delete(dir);
  };
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await freePort();
    let service: Service;
    try {
      ({ service } = await startProcess('redis-server', 'redis-server', redisServerArgs({ port, dir }), {}, REDIS_READY_RE));
    } catch (error) {
      lastError = error;
      continue;
    }
    const url = `redis://127.0.0.1:${port}`;
    const client = createClient({ url });
    client.on('error', () => {}); // a Redis being stopped; the next command says so
    try {
      await client.connect();
    } catch (error) {
      await service.stop();
      removeFolder();
      throw error;
    }
    return {
      service: {
        ...service,
        async stop() {
          await client.close().catch(() => undefined);
          await service.stop();
          removeFolder();
        },
      },
      url,
      commandCalls: async () => parseCommandStats(await client.info('commandstats')),
    };
  }
  removeFolder();
  throw lastError;
}
