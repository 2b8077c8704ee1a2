/**
 * The WebSocket to the gateway's /ws: one text frame per protocol line.
 * Reconnects with exponential backoff and jitter while the session wants to
 * be in the chat; the session rejoins and flushes its outbox on the welcome.
 */
import { backoffDelay } from './backoff.ts';
import type { ChatSession, Transport } from './chat.svelte.ts';

/** Lines arriving within this long are applied to the list together. */
const BATCH_MS = 16;

export function gatewayUrl(loc: Location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
}

export class Connection implements Transport {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private queue: string[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly url: string,
    private readonly session: ChatSession,
  ) {
    session.transport = this;
  }

  connect(): void {
    if (this.ws) return;
    this.clearTimer();
    this.session.link = 'connecting';
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => this.session.opened();
    ws.onmessage = (e: MessageEvent) => {
      if (typeof e.data !== 'string') return;
      this.queue.push(e.data);
      this.flushTimer ??= setTimeout(this.flush, BATCH_MS);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.flush(); // what arrived before the close comes first
      this.ws = null;
      if (this.session.joined) this.attempt = 0;
      if (this.session.closed()) this.schedule();
    };
  }

  /** Retries at once (the "Retry now" button, the browser coming back online). */
  retryNow(): void {
    if (this.ws || this.timer === null) return;
    this.connect();
  }

  send(line: string): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(line);
    return true;
  }

  close(): void {
    this.clearTimer();
    const ws = this.ws;
    this.ws = null;
    this.flush();
    ws?.close(1000);
    this.session.closed();
    this.session.retryAt = null;
  }

  private flush = (): void => {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.queue.length === 0) return;
    const lines = this.queue;
    this.queue = [];
    this.session.receiveAll(lines);
  };

  private schedule(): void {
    const delay = backoffDelay(this.attempt++);
    this.session.retryAt = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.session.retryAt = null;
  }
}
