/**
 * A client that does not opt in sees today's protocol byte for byte (issue
 * 13, "Done when" (6)): the same scenario played by a plain WebSocket client
 * through the gateway and by a real `nc` gives the same bytes, none of them
 * a `+` line; and a plain client that drops leaves at once, without a grace.
 */
import { afterAll, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.ts';
import { WsClient } from '../helpers/ws-client.ts';
import { useStack } from './fixture.ts';

const stack = useStack(); // resuming on, with its default grace (30 s)
const others: LineClient[] = [];

afterAll(() => {
  for (const o of others) o.close();
});

/** One user's side of the scenario, whatever carries its lines. */
interface User {
  send(line: string): void;
  /** Waits until the transcript includes `text`. */
  sees(text: string): Promise<void>;
  /** Everything received, as a terminal shows it (each line and its LF). */
  transcript(): string;
  closed: Promise<unknown>;
}

/**
 * ana joins, hears tom in public and in private, talks, asks `/users`,
 * writes to someone absent, types an unknown command, and quits.
 */
async function scenario(connect: () => User): Promise<string> {
  const tom = await LineClient.join(stack.tcp.port, 'tom');
  others.push(tom);
  const ana = connect();
  await ana.sees('Digite seu nome:\n');
  ana.send('ana');
  await tom.next((l) => l === 'ana entrou no chat!');
  tom.send('oi ana');
  tom.send('@ana só pra você');
  await ana.sees('[privado] tom: só pra você\n');
  ana.send('oi tom');
  await tom.next((l) => l === 'ana: oi tom');
  for (const line of ['/users', '@ghost alô', '/nope', '//barra', '/quit']) ana.send(line);
  await ana.closed;
  tom.close();
  return ana.transcript();
}

it('(6) a plain WebSocket client gets the bytes a netcat user gets, no extension line among them', { timeout: 60_000 }, async () => {
  const viaWs = await scenario(() => {
    const ws = new WsClient(stack.gateway.wsUrl, stack.gateway.url);
    const transcript = () => ws.frames.map((f) => `${f}\n`).join('');
    return {
      send: (l) => ws.send(l),
      async sees(text) {
        while (!transcript().includes(text)) await ws.next();
      },
      transcript,
      closed: ws.closed,
    };
  });
  const viaNc = await scenario(() => {
    const nc = stack.nc();
    return { send: (l) => nc.type(l), sees: (text) => nc.sees(text), transcript: () => nc.screen, closed: nc.exited };
  });
  expect(viaWs).toBe(viaNc);
  expect(viaWs).toContain('Bem-vindo, ana! Online (2): ana, tom\n');
  expect(viaWs).toContain('Comando desconhecido: /nope.');
  expect(viaWs.split('\n').filter((l) => l.startsWith('+'))).toEqual([]);
});

it('a plain client that drops leaves at once: no session, no grace', { timeout: 20_000 }, async () => {
  const tom = await LineClient.join(stack.tcp.port, 'tom2');
  others.push(tom);
  const ws = await WsClient.join(stack.gateway.wsUrl, stack.gateway.url, 'wes');
  await tom.next((l) => l === 'wes entrou no chat!');
  ws.close(); // a reset, as a dropped link
  // With a grace of 30 s, a held session would not leave within this test's 20 s.
  await tom.next((l) => l === 'wes saiu do chat.');
  expect(ws.frames.filter((f) => f.startsWith('+'))).toEqual([]);
});
