/**
 * Opening a browser's connection to a chat server: the nodes in the pool's
 * order (asked again after each refusal; the node the socket named first,
 * when the pool agrees), each until one takes the browser. A node refuses by failing to
 * connect, by saying nothing for `timeoutMs` (connect and first line
 * together), or by answering `Servidor cheio, tente mais tarde.` as its
 * first line: then the next node is tried, so a page lands on a node with
 * room whenever there is one. Only when every node is full does the browser
 * get that answer (from the last one), as with a single server.
 *
 * The first line decides, so it is read before anything is relayed: the
 * caller gets the socket with the bytes read so far (`head`) and takes over
 * its reading synchronously, so no event is missed between the two.
 *
 * Reads go into one buffer shared by every upstream connection of the
 * process (net's `onread`): a read is consumed before the next one starts,
 * so nothing is allocated per read and what must be kept is copied.
 */
import net from 'node:net';
import { SERVER_FULL_LINE } from '../protocol/index.ts';
import type { PoolNode, UpstreamPool } from './upstream-pool.ts';

export type RefusalReason = 'error' | 'timeout' | 'full';

/** Called with each read: `buffer`'s first `length` bytes are new, and only valid during the call. */
export type UpstreamReader = (buffer: Buffer, length: number) => void;

export interface DialedUpstream {
  readonly node: PoolNode;
  readonly socket: net.Socket;
  /** What the node sent so far: its first line, and whatever came with it. */
  readonly head: Buffer;
  /** Where the socket's reads go from now on. */
  setReader(reader: UpstreamReader): void;
}

export interface DialOptions {
  timeoutMs: number;
  /** The node the socket asked to try first (`?node=`), or null: the pool decides whether it comes first. */
  preferred?: string | null;
  /** A node that refused, and why. */
  onRefused(node: PoolNode, reason: RefusalReason, error: Error | null): void;
  /** The node that took the browser, or null when none did. Called once, unless cancelled first. */
  onDone(dialed: DialedUpstream | null): void;
}

/** The shared read buffer; 64 KiB, as net reads by default. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
/** The first line is short; a longer one is not `Servidor cheio…` and need not be waited for. */
const MAX_FIRST_LINE = 256;
const LF = 0x0a;
const SERVER_FULL = Buffer.from(SERVER_FULL_LINE);

/** Whether `line` (its LF excluded, a CR allowed) is the full server's answer. */
function isServerFull(line: Buffer): boolean {
  const end = line.length > 0 && line[line.length - 1] === 0x0d ? line.length - 1 : line.length;
  return end === SERVER_FULL.length && SERVER_FULL.equals(line.subarray(0, end));
}

/** Starts dialing; returns a function that abandons it (the browser left first). */
export function dialUpstream(pool: UpstreamPool, options: DialOptions): () => void {
  const tried = new Set<PoolNode>();
  let cancelled = false;
  let abandon: () => void = () => {};

  const next = (): void => {
    // The pool's order now, not when dialing began: the counts have moved meanwhile.
    const untried = pool.order(options.preferred ?? null).filter((n) => !tried.has(n));
    const node = untried[0];
    if (node === undefined) return options.onDone(null);
    tried.add(node);
    const isLast = untried.length === 1;
    pool.acquire(node);
    let settled = false;
    let head = Buffer.alloc(0);
    let reader: UpstreamReader = (buffer, length) => {
      head = Buffer.concat([head, buffer.subarray(0, length)]);
      const lf = head.indexOf(LF);
      if (lf === -1 && head.length <= MAX_FIRST_LINE) return;
      if (lf !== -1 && isServerFull(head.subarray(0, lf))) {
        if (!isLast) return refuse('full', null);
        // Every node is full: the browser hears it from this one.
        pool.refused(node);
        options.onRefused(node, 'full', null);
        return accept();
      }
      pool.accepted(node);
      accept();
    };
    const socket = net.connect({
      host: node.node.host,
      port: node.node.port,
      noDelay: true,
      keepAlive: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (length, buffer) => {
          reader(buffer as Buffer, length);
          return true; // pausing is explicit: socket.pause()
        },
      },
    });
    const timer = setTimeout(() => refuse('timeout', null), options.timeoutMs);

    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      return true;
    };
    const refuse = (reason: RefusalReason, error: Error | null): void => {
      if (!finish()) return;
      reader = () => {};
      socket.destroy();
      pool.release(node);
      pool.refused(node);
      options.onRefused(node, reason, error);
      next();
    };
    const accept = (): void => {
      if (!finish()) return;
      options.onDone({ node, socket, head, setReader: (r) => (reader = r) });
    };
    socket.on('error', (error) => refuse('error', error));
    // Closed before a first line: it took nobody.
    socket.on('close', () => refuse('error', null));
    abandon = () => {
      if (!finish()) return;
      socket.destroy();
      pool.release(node);
    };
  };

  next();
  return () => {
    if (cancelled) return;
    cancelled = true;
    abandon();
  };
}
