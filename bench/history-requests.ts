/**
 * Timing the history as a user asks for it, against a running chat server
 * with history on and an empty database:
 *
 * 1. Fill: one client that opted in to ids (`/ext ids`) sends `stored`
 *    public lines (chat-text.ts) in windows of FILL_WINDOW and waits for the
 *    server's `+ack <id> <time>` of each: every line went through the server
 *    and is committed, with a real id and time, before anything is timed.
 * 2. `/history n` (n = 200, or all when fewer are stored): a plain client,
 *    as a terminal user, sends it and waits for `Fim do histórico.`, one
 *    request at a time; the time is from the write to the arrival of that
 *    last line. Every answer is checked: the header, n lines, the newest n
 *    texts in order.
 * 3. `/since` paging: the client with ids catches up on the last `missed`
 *    lines as the page does after a rejoin (`/since <id>`, again from the
 *    last id of each page until `+hist-end done`); the time is from the
 *    first request to the last page's end. Every catch-up must return
 *    exactly the missed lines, in order.
 *
 * Alongside `/history`, alternately, the same client times `/users` (one
 * short line): the round trip of a request that costs the server next to
 * nothing, on the same machine at the same moments. The first WARMUP
 * requests of each kind are not counted (the server's JIT and SQLite's page
 * cache are cold then); the very first is reported apart.
 */
import { HISTORY_END_LINE, HISTORY_MAX_COUNT, extLine, sinceLine } from '../protocol/index.ts';
import { type Answer, LineClient } from './line-client.ts';
import { chatText } from './chat-text.ts';

/** Requests of each kind run before the timed ones, and not counted. */
export const WARMUP = 5;
/** Lines the filler sends before waiting for their acknowledgements. */
const FILL_WINDOW = 500;
const FILLER = 'bench-filler';
const READER = 'bench-reader';

export interface Latency {
  /** Requests timed (after the warm-up). */
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** The very first request, cold (part of the warm-up). */
  firstMs: number;
  /**
   * The server's CPU time per timed request (from /proc, 10 ms ticks, so
   * precise over many requests): its own work, apart from waiting for a core.
   */
  serverCpuMs: number;
}

export interface HistoryLookup extends Latency {
  /** n of `/history n`. */
  count: number;
  /** Bytes of one answer, header and end line included. */
  answerBytes: number;
}

export interface CatchUp extends Latency {
  missed: number;
  /** `/since` requests per catch-up. */
  pages: number;
}

export interface HistoryTimings {
  /** Lines in the history when timing. */
  stored: number;
  /** Time to send and store them (through the server). */
  fillSeconds: number;
  lookup: HistoryLookup;
  /** `/users`, timed alternately with `/history`: the round trip of a request that costs the server next to nothing. */
  control: Latency;
  since: CatchUp;
}

export interface HistoryTimingOptions {
  port: number;
  stored: number;
  /** Timed `/history` requests. */
  requests: number;
  /** Lines a catch-up has missed (at most `stored`). */
  missed: number;
  /** Timed catch-ups. */
  catchUps: number;
  /** CPU seconds the server has used so far. */
  serverCpu: () => number;
  progress: (text: string) => void;
}

/** Exact quantiles of a small sample (the values are kept, not bucketed); the first `warmup` are left out but the first of all. */
export function latency(all: readonly number[], warmup: number): Omit<Latency, 'serverCpuMs'> {
  const timed = all.slice(warmup);
  const sorted = [...timed].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return {
    requests: timed.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: sorted[sorted.length - 1] ?? NaN,
    meanMs: timed.reduce((a, b) => a + b, 0) / Math.max(1, timed.length),
    firstMs: all[0] ?? NaN,
  };
}

class BenchError extends Error {
  readonly code = 'ERR_BENCH_HISTORY';
}

/** Joins as `name` (having asked for `features` first, if any). */
async function join(port: number, name: string, features: string[] = []): Promise<LineClient> {
  const client = await LineClient.connect(port);
  try {
    if (features.length > 0) {
      const ext = await client.request(extLine(features), (l) => l.startsWith('+ext'), () => true);
      const wanted = `+ext ${features.join(' ')}`;
      if (ext.lines[0] !== wanted) throw new BenchError(`asked for ${features.join(' ')}, the server answered "${ext.lines[0]}" (history off?)`);
    }
    // The welcome, or why the name was refused.
    const answer = await client.request(name, (l) => l.startsWith('Bem-vindo, ') || l.startsWith('Nome'), () => true);
    if (!answer.lines[0]!.startsWith('Bem-vindo, ')) throw new BenchError(`${name} could not join: ${answer.lines[0]}`);
    return client;
  } catch (error) {
    client.close();
    throw error;
  }
}

/** Sends `count` lines and returns their ids, in order, once the server acknowledged each. */
async function fill(filler: LineClient, count: number, progress: (text: string) => void): Promise<number[]> {
  const ids: number[] = [];
  for (let from = 0; from < count; from += FILL_WINDOW) {
    const texts = Array.from({ length: Math.min(FILL_WINDOW, count - from) }, (_, k) => chatText(from + k));
    let acks = 0;
    const answer = await filler.request(texts, (l) => l.startsWith('+ack '), () => ++acks === texts.length);
    for (const line of answer.lines) ids.push(Number(line.split(' ')[1]));
    progress(`history: ${ids.length}/${count} lines stored`);
  }
  return ids;
}

/** The answer to `/history n` must be the newest n of the `stored` lines, in order. */
function checkHistoryAnswer(answer: Answer, n: number, stored: number): void {
  const { lines } = answer;
  const fail = (why: string) => {
    throw new BenchError(`/history ${n}: ${why}`);
  };
  if (lines[0] !== `Histórico (${n}):`) fail(`header "${lines[0]}"`);
  if (lines.length !== n + 2) fail(`${lines.length - 2} lines, not ${n}`);
  for (let j = 0; j < n; j++) {
    const line = lines[j + 1]!;
    // `[DD/MM HH:MM] name: text`: the stamp is 13 characters and a space.
    const expected = `${FILLER}: ${chatText(stored - n + j)}`;
    if (line.slice(14) !== expected || line[0] !== '[') fail(`line ${j + 1} is "${line}", not "[…] ${expected}"`);
  }
}

/** One catch-up from `after`; resolves with the ids and texts received, the pages and the time. */
async function catchUp(client: LineClient, after: number): Promise<{ got: Array<[number, string]>; pages: number; ms: number }> {
  const got: Array<[number, string]> = [];
  let cursor = after;
  let pages = 0;
  const started = performance.now();
  for (;;) {
    const answer = await client.request(sinceLine(cursor), (l) => l.startsWith('+hist'), (l) => l.startsWith('+hist-end'));
    pages++;
    const end = answer.lines[answer.lines.length - 1]!;
    for (let i = 0; i < answer.lines.length - 1; i++) {
      // `+hist <id> <time> <name>: <text>`
      const line = answer.lines[i]!;
      const a = line.indexOf(' ', 6);
      const b = line.indexOf(' ', a + 1);
      const colon = line.indexOf(': ', b + 1);
      got.push([Number(line.slice(6, a)), line.slice(colon + 2)]);
    }
    if (end === '+hist-end done') return { got, pages, ms: answer.arrivedAt - started };
    if (end !== '+hist-end more' || got.length === 0) throw new BenchError(`/since ${cursor}: ended with "${end}" after ${got.length} lines`);
    cursor = got[got.length - 1]![0];
  }
}

/**
 * The requests of one kind: each one's time, and the server's CPU time
 * around each timed one (the server is idle between requests, so the sum
 * is what this kind of request cost it, whatever runs in between).
 */
class Timings {
  readonly times: number[] = [];
  private cpuSeconds = 0;

  constructor(private readonly serverCpu: () => number) {}

  async time<T extends { ms: number }>(request: () => Promise<T>): Promise<T> {
    const counted = this.times.length >= WARMUP;
    const before = counted ? this.serverCpu() : 0;
    const result = await request();
    if (counted) this.cpuSeconds += this.serverCpu() - before;
    this.times.push(result.ms);
    return result;
  }

  latency(): Latency {
    const l = latency(this.times, WARMUP);
    return { ...l, serverCpuMs: (this.cpuSeconds * 1000) / Math.max(1, l.requests) };
  }
}

export async function timeHistory(o: HistoryTimingOptions): Promise<HistoryTimings> {
  if (o.missed > o.stored) throw new BenchError(`cannot miss ${o.missed} lines of ${o.stored}`);
  const filler = await join(o.port, FILLER, ['ids']);
  let reader: LineClient | null = null;
  try {
    const fillStart = performance.now();
    const ids = await fill(filler, o.stored, o.progress);
    const fillSeconds = (performance.now() - fillStart) / 1000;

    reader = await join(o.port, READER);
    const client = reader;
    const n = Math.min(HISTORY_MAX_COUNT, o.stored);
    const lookups = new Timings(o.serverCpu);
    // The control: a request the server answers with one short line, timed
    // alternately with /history, so both meet the same machine. What the
    // control takes is the round trip itself (and waiting for a core).
    const controls = new Timings(o.serverCpu);
    const online = `Online (2): ${[FILLER, READER].sort().join(', ')}`;
    let answerBytes = 0;
    for (let k = 0; k < WARMUP + o.requests; k++) {
      const answer = await lookups.time(() =>
        client.request(
          `/history ${n}`,
          (l) => l.startsWith('Histórico') || l.startsWith('[') || l === HISTORY_END_LINE,
          (l) => l === HISTORY_END_LINE,
        ),
      );
      checkHistoryAnswer(answer, n, o.stored);
      answerBytes = Buffer.byteLength(answer.lines.join('\n') + '\n');
      const users = await controls.time(() => client.request('/users', (l) => l.startsWith('Online ('), () => true));
      if (users.lines[0] !== online) throw new BenchError(`/users: "${users.lines[0]}", not "${online}"`);
      if (k % 50 === 0) o.progress(`history: /history ${n}, ${k}/${WARMUP + o.requests}`);
    }

    // The page remembers the last id it had: the line just before the missed ones (0: it had none).
    const after = o.missed < o.stored ? ids[o.stored - o.missed - 1]! : 0;
    const expectedIds = ids.slice(o.stored - o.missed);
    const catchUps = new Timings(o.serverCpu);
    let pages = 0;
    for (let k = 0; k < WARMUP + o.catchUps; k++) {
      const c = await catchUps.time(() => catchUp(filler, after));
      pages = c.pages;
      const wrong = c.got.findIndex(([id, text], i) => id !== expectedIds[i] || text !== chatText(o.stored - o.missed + i));
      if (c.got.length !== o.missed || wrong !== -1) {
        throw new BenchError(`/since ${after}: ${c.got.length} lines (wanted ${o.missed}); first wrong at ${wrong}`);
      }
      if (k % 10 === 0) o.progress(`history: catching up on ${o.missed} lines, ${k}/${WARMUP + o.catchUps}`);
    }
    return {
      stored: o.stored,
      fillSeconds,
      lookup: { ...lookups.latency(), count: n, answerBytes },
      control: controls.latency(),
      since: { ...catchUps.latency(), missed: o.missed, pages },
    };
  } finally {
    filler.close();
    reader?.close();
  }
}
