/**
 * The baseline: the simplest broadcaster a Node user would write for this
 * protocol, and written well. It speaks the join and the public line only
 * (prompt, welcome with the online list, `X entrou no chat!`, `name: text`
 * to everyone but the sender) and does nothing else: no validation, no
 * sanitising, no limits, no leave notice. Output is queued per recipient
 * and written with one `write` per recipient per event-loop turn.
 *
 * Run as a process like the real server: CHAT_HOST, CHAT_PORT (0 =
 * ephemeral); prints `Servidor rodando em host:port...`; exits 0 on SIGTERM.
 */
import net, { type AddressInfo } from 'node:net';
import { chatReadyLine } from '../common/ready-lines.ts';

const host = process.env.CHAT_HOST || '127.0.0.1';
const port = Number(process.env.CHAT_PORT ?? 12345);

const LF = 0x0a;
const CR = 0x0d;
const PROMPT = Buffer.from('Digite seu nome:\n');

interface Client {
  socket: net.Socket;
  name: string | null;
  /** `name: ` encoded once. */
  prefix: Buffer | null;
  /** Bytes of an unfinished line. */
  rest: Buffer | null;
  /** Output queued this turn (null: nothing queued). */
  out: Buffer[] | null;
}

const members = new Set<Client>();
/** Online names, sorted ignoring case, as the welcome lists them. */
const names: string[] = [];
let dirty: Client[] = [];
let scheduled = false;

function queue(client: Client, bytes: Buffer): void {
  if (client.out === null) {
    client.out = [bytes];
    dirty.push(client);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  } else {
    client.out.push(bytes);
  }
}

function flush(): void {
  scheduled = false;
  const list = dirty;
  dirty = [];
  for (let i = 0; i < list.length; i++) {
    const client = list[i]!;
    const out = client.out!;
    client.out = null;
    if (!client.socket.destroyed) client.socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
  }
}

function broadcast(bytes: Buffer, except: Client): void {
  for (const client of members) if (client !== except) queue(client, bytes);
}

function insertName(name: string): void {
  const key = name.toLowerCase();
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (names[mid]!.toLowerCase() <= key) lo = mid + 1;
    else hi = mid;
  }
  names.splice(lo, 0, name);
}

function onLine(client: Client, buf: Buffer, start: number, end: number): void {
  if (end > start && buf[end - 1] === CR) end--;
  if (client.name === null) {
    const name = buf.toString('utf8', start, end).trim();
    if (name === '') return;
    client.name = name;
    client.prefix = Buffer.from(name + ': ');
    insertName(name);
    members.add(client);
    queue(client, Buffer.from(`Bem-vindo, ${name}! Online (${names.length}): ${names.join(', ')}\n`));
    broadcast(Buffer.from(`${name} entrou no chat!\n`), client);
    return;
  }
  if (end === start) return;
  const prefix = client.prefix!;
  const line = Buffer.allocUnsafe(prefix.length + end - start + 1);
  prefix.copy(line, 0);
  buf.copy(line, prefix.length, start, end);
  line[line.length - 1] = LF;
  broadcast(line, client);
}

const server = net.createServer({ noDelay: true }, (socket) => {
  const client: Client = { socket, name: null, prefix: null, rest: null, out: null };
  socket.on('data', (chunk: Buffer) => {
    let buf = chunk;
    if (client.rest !== null) {
      buf = Buffer.concat([client.rest, chunk]);
      client.rest = null;
    }
    let start = 0;
    for (;;) {
      const lf = buf.indexOf(LF, start);
      if (lf === -1) break;
      onLine(client, buf, start, lf);
      start = lf + 1;
    }
    if (start < buf.length) client.rest = buf.subarray(start);
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    if (client.name !== null && members.delete(client)) {
      const i = names.indexOf(client.name);
      if (i !== -1) names.splice(i, 1);
    }
  });
  socket.write(PROMPT);
});

server.listen({ host, port, backlog: 4096 }, () => {
  const address = server.address() as AddressInfo;
  process.stdout.write(chatReadyLine(host, address.port) + '\n');
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
