/**
 * The page's WebSocket to the gateway's /ws (one text frame per protocol
 * line) and everything about keeping one open: the socket, the backoff with
 * jitter, the retry timer, the link's state and why the last try failed.
 * It owns all of that and nothing else: it knows no chat lines. Whoever
 * listens (the ChatRoom) is told when a socket opens, what lines arrived and
 * when it closed, and answers whether to try again.
 */
import { backoffDelay } from './backoff.ts';
import { type Refusal, probeHealth } from './health.ts';

/** Lines arriving within this long are handed over together (one list update). */
export const BATCH_MS = 16;

export type LinkState = 'idle' | 'connecting' | 'open' | 'closed';

export interface LinkListener {
  /** A socket opened. */
  opened(): void;
  /** Lines arrived, in order. */
  receiveAll(lines: readonly string[]): void;
  /** The socket closed without being asked to; returns whether to try again. */
  closed(): boolean;
}

/**
 * The page's own /ws: http → ws, https → wss. `node`: the node a resuming
 * page asks the gateway to try first, the tag of its session token.
 */
export function gatewayUrl(loc: Pick<Location, 'origin'>, node: string | null = null): string {
  return `ws${loc.origin.slice(4)}/ws${node === null ? '' : `?node=${encodeURIComponent(node)}`}`;
}

export class GatewayLink {
  state = $state.raw<LinkState>('idle');
  /** When the next try happens (ms since epoch), or null. */
  retryAt = $state.raw<number | null>(null);
  /** Why the last socket failed before opening, as /healthz tells; null once one opens. */
  refusal = $state.raw<Refusal | null>(null);

  private ws: WebSocket | null = null;
  private listener: LinkListener | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private queue: string[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;

  /** `url`: where to open each socket, asked again for each (a resume names its node). */
  constructor(private readonly url: string | (() => string)) {}

  listen(listener: LinkListener): void {
    this.listener = listener;
  }

  /** Opens a socket unless one is open or opening. */
  connect(): void {
    if (this.ws) return;
    this.clearTimer();
    this.state = 'connecting';
    let opened = false;
    const ws = new WebSocket(typeof this.url === 'string' ? this.url : this.url());
    this.ws = ws;
    ws.onopen = () => {
      opened = true;
      this.state = 'open';
      this.refusal = null;
      this.listener?.opened();
    };
    ws.onmessage = (e) => {
      if (typeof e.data !== 'string') return;
      this.queue.push(e.data);
      this.flushTimer ??= setTimeout(this.flush, BATCH_MS);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.flush(); // what arrived before the close comes first
      this.ws = null;
      this.state = 'closed';
      if (!this.listener?.closed()) return;
      this.schedule();
      if (!opened) void this.explain();
    };
  }

  /** Tries at once instead of waiting (the "Retry now" button, the browser coming back online). */
  retryNow(): void {
    if (this.ws || this.timer === null) return;
    this.connect();
  }

  /** Sends one line; false when no socket is open. */
  send(line: string): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(line);
    return true;
  }

  /** Closes on purpose: no retry, and the listener is not told (it asked). */
  close(): void {
    this.clearTimer();
    const ws = this.ws;
    this.ws = null;
    this.flush();
    ws?.close(1000);
    this.state = 'idle';
    this.refusal = null;
  }

  /** The connection did what it was for (joined): the next drop backs off from the start. */
  resetBackoff(): void {
    this.attempt = 0;
  }

  private flush = (): void => {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.queue.length === 0) return;
    const lines = this.queue;
    this.queue = [];
    this.listener?.receiveAll(lines);
  };

  private schedule(): void {
    const delay = backoffDelay(this.attempt++);
    this.retryAt = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  /** Asks /healthz why a socket could not open; moot once one opens or the page stops trying. */
  private async explain(): Promise<void> {
    const refusal = await probeHealth();
    if (this.state !== 'open' && this.state !== 'idle') this.refusal = refusal;
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.retryAt = null;
  }
}
