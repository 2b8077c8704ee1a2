/**
 * How this project runs Debian's `redis-server` as a child process: the
 * arguments, the line that says it is up, and a free port to give it. One
 * definition for the tests (test/helpers/redis-server.ts), `npm run cluster`
 * (scripts/cluster.ts) and the benchmark (bench/redis.ts).
 */
import net from 'node:net';

/** redis-server prints this once it accepts connections. */
export const REDIS_READY_RE = /Ready to accept connections/;

export interface RedisServerArgs {
  port: number;
  /** Its working folder (the append-only file, when `persist`). */
  dir: string;
  /**
   * Every write goes to an append-only file before Redis answers
   * (appendfsync always, when `fsync`), so a Redis started again on the
   * same folder comes back with what it acknowledged. Without it: no
   * persistence at all (no RDB snapshots either).
   */
  persist?: boolean;
  fsync?: boolean;
}

/** The command line (after `redis-server`): loopback only, in the foreground, no RDB snapshots. */
export function redisServerArgs({ port, dir, persist = false, fsync = false }: RedisServerArgs): string[] {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no'];
  args.push('--appendonly', persist ? 'yes' : 'no');
  if (persist && fsync) args.push('--appendfsync', 'always');
  return args;
}

/**
 * redis-server has no "any free port" (`--port 0` means no TCP at all):
 * ask the kernel for one and hand it over. Someone may take it meanwhile,
 * so a start on it may fail and be retried on another.
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
