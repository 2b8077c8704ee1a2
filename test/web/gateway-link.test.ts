/**
 * The page's link to the gateway, driven through the browser APIs it uses
 * (WebSocket, fetch, timers), here scripted: when sockets open, what they
 * receive, when they close, and what /healthz answers. The real browser and
 * gateway run in the e2e tests; this pins down each rule of the link.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RECONNECT_BASE_MS } from '../../web/lib/backoff.ts';
import { BATCH_MS, GatewayLink, type LinkListener, gatewayUrl } from '../../web/lib/gateway-link.svelte.ts';

/** A WebSocket whose life the test decides. */
class ScriptedSocket {
  static readonly OPEN = 1;
  static all: ScriptedSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  closedWith: number | undefined;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    ScriptedSocket.all.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(code?: number): void {
    this.closedWith = code;
    this.readyState = 3;
  }
  // What the network does:
  opens(): void {
    this.readyState = 1;
    this.onopen?.();
  }
  receives(...lines: string[]): void {
    for (const data of lines) this.onmessage?.({ data });
  }
  drops(): void {
    this.readyState = 3;
    this.onclose?.();
  }
}

class RecordingListener implements LinkListener {
  events: string[] = [];
  retry = true;
  opened(): void {
    this.events.push('opened');
  }
  receiveAll(lines: readonly string[]): void {
    this.events.push(`lines ${lines.join('|')}`);
  }
  closed(): boolean {
    this.events.push('closed');
    return this.retry;
  }
}

/** What /healthz answers next. */
let health: () => Promise<Response>;

function setup() {
  const link = new GatewayLink('ws://page/ws');
  const listener = new RecordingListener();
  link.listen(listener);
  return { link, listener, socket: () => ScriptedSocket.all.at(-1)! };
}

beforeEach(() => {
  ScriptedSocket.all = [];
  vi.useFakeTimers();
  vi.spyOn(Math, 'random').mockReturnValue(1); // the longest backoff, exactly
  vi.stubGlobal('WebSocket', ScriptedSocket);
  health = async () => Response.json({ status: 'ok', upstream: 'up' });
  vi.stubGlobal('fetch', (url: string) => {
    expect(url).toBe('/healthz');
    return health();
  });
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('the link', () => {
  it('is the page’s own /ws, wss behind https', () => {
    expect(gatewayUrl({ origin: 'http://localhost:8080' } as Location)).toBe('ws://localhost:8080/ws');
    expect(gatewayUrl({ origin: 'https://chat.example' } as Location)).toBe('wss://chat.example/ws');
  });

  it('names the node a resume asks for, and asks where to go again for each socket', () => {
    expect(gatewayUrl({ origin: 'https://chat.example' }, 'eu.node-2')).toBe('wss://chat.example/ws?node=eu.node-2');
    let node: string | null = 'node-1';
    const link = new GatewayLink(() => gatewayUrl({ origin: 'http://page' }, node));
    link.listen(new RecordingListener());
    link.connect();
    expect(ScriptedSocket.all.at(-1)!.url).toBe('ws://page/ws?node=node-1');
    link.close();
    node = null;
    link.connect();
    expect(ScriptedSocket.all.at(-1)!.url).toBe('ws://page/ws');
  });

  it('opens one socket, tells the listener, and hands lines over in order, together, after a short batch delay', () => {
    const { link, listener, socket } = setup();
    link.connect();
    link.connect(); // already opening: no second socket
    expect(ScriptedSocket.all).toHaveLength(1);
    expect(link.state).toBe('connecting');
    socket().opens();
    expect(link.state).toBe('open');
    socket().receives('a', 'b');
    socket().receives('c');
    expect(listener.events).toEqual(['opened']);
    vi.advanceTimersByTime(BATCH_MS);
    expect(listener.events).toEqual(['opened', 'lines a|b|c']);
  });

  it('sends only while a socket is open', () => {
    const { link, socket } = setup();
    expect(link.send('x')).toBe(false);
    link.connect();
    expect(link.send('x')).toBe(false);
    socket().opens();
    expect(link.send('ana')).toBe(true);
    expect(socket().sent).toEqual(['ana']);
  });

  it('on a drop, hands over what arrived first, then retries with a growing backoff while the listener wants to', () => {
    const { link, listener, socket } = setup();
    link.connect();
    socket().opens();
    socket().receives('last words');
    socket().drops();
    expect(listener.events).toEqual(['opened', 'lines last words', 'closed']);
    expect(link.state).toBe('closed');
    expect(link.retryAt).toBe(Date.now() + RECONNECT_BASE_MS);

    vi.advanceTimersByTime(RECONNECT_BASE_MS - 1);
    expect(ScriptedSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(ScriptedSocket.all).toHaveLength(2);
    expect(link.retryAt).toBeNull();
    socket().drops(); // the second try fails too: twice as long
    expect(link.retryAt).toBe(Date.now() + 2 * RECONNECT_BASE_MS);
  });

  it('does not retry when the listener says so (back at the name prompt)', () => {
    const { link, listener, socket } = setup();
    listener.retry = false;
    link.connect();
    socket().opens();
    socket().drops();
    expect(link.retryAt).toBeNull();
    vi.advanceTimersByTime(60_000);
    expect(ScriptedSocket.all).toHaveLength(1);
  });

  it('"Retry now" tries at once instead of waiting; a join makes the next drop back off from the start', () => {
    const { link, socket } = setup();
    link.connect();
    socket().drops();
    vi.advanceTimersByTime(RECONNECT_BASE_MS);
    socket().drops(); // two failures: the next wait is 2 × base
    link.retryNow();
    expect(ScriptedSocket.all).toHaveLength(3);
    expect(link.retryAt).toBeNull();
    socket().opens();
    link.resetBackoff();
    socket().drops();
    expect(link.retryAt).toBe(Date.now() + RECONNECT_BASE_MS);
  });

  it('closing on purpose closes the socket, cancels the retry and does not tell the listener', () => {
    const { link, listener, socket } = setup();
    link.connect();
    socket().opens();
    link.close();
    expect(socket().closedWith).toBe(1000);
    expect(link.state).toBe('idle');
    socket().drops(); // the browser's close event comes later: ignored
    expect(listener.events).toEqual(['opened']);
    vi.advanceTimersByTime(60_000);
    expect(ScriptedSocket.all).toHaveLength(1);
  });
});

describe('why a socket could not open', () => {
  it('asks /healthz after a socket fails before opening: "full" from the gateway or from the chat server', async () => {
    const answers = [
      { status: 'unavailable', gateway: 'full', upstream: 'up' },
      { status: 'unavailable', gateway: 'ok', upstream: 'full' },
    ];
    for (const body of answers) {
      const { link, socket } = setup();
      health = async () => Response.json(body, { status: 503 });
      link.connect();
      socket().drops();
      expect(link.retryAt).not.toBeNull(); // the retry does not wait for the answer
      await vi.waitFor(() => expect(link.refusal).toBe('full'));
      link.close();
    }
  });

  it('anything else is "unreachable": no "full" in the answer (today\'s gateway), not JSON, or no answer', async () => {
    const answers: Array<() => Promise<Response>> = [
      async () => Response.json({ status: 'ok', upstream: 'up' }),
      async () => new Response('<html>Bad gateway</html>', { status: 502 }),
      () => Promise.reject(new TypeError('Failed to fetch')),
    ];
    for (const answer of answers) {
      const { link, socket } = setup();
      health = answer;
      link.connect();
      socket().drops();
      await vi.waitFor(() => expect(link.refusal).toBe('unreachable'));
      link.close();
    }
  });

  it('does not ask when the socket had opened (the server closed it: its lines say why)', async () => {
    const { link, socket } = setup();
    let asked = 0;
    health = async () => (asked++, Response.json({ gateway: 'full' }));
    link.connect();
    socket().opens();
    socket().drops();
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toBe(0);
    expect(link.refusal).toBeNull();
  });

  it('forgets the refusal once a socket opens, and ignores an answer that comes after that', async () => {
    const { link, socket } = setup();
    let answer!: (r: Response) => void;
    health = () => new Promise((resolve) => (answer = resolve));
    link.connect();
    socket().drops();
    vi.advanceTimersByTime(RECONNECT_BASE_MS);
    socket().opens();
    answer(Response.json({ gateway: 'full' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(link.refusal).toBeNull();
  });
});
