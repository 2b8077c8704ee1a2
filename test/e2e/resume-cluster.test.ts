/**
 * Session resume in a cluster (issue 14), through real Chromium: a real
 * Redis, two real chat nodes (node-1, node-2) and a real gateway with
 * named CHAT_SERVERS. The page's session token names its node, the page
 * asks for that node when it resumes (`/ws?node=`), and the gateway dials
 * it first.
 *
 * (a) The gateway is killed with `kill -9` and started again, three times.
 *     A fresh gateway would send the page's first socket to node-1 (no
 *     connections anywhere, the tie goes to the first node), and the page
 *     is on node-2: only the routing brings it back to its session. Each
 *     time it resumes; the lines a terminal user on node-1 said meanwhile,
 *     public and private, show once each, and nobody sees it leave or join.
 * (b) The page's node is killed with `kill -9`. The page lands on node-1,
 *     its resume fails, and its name is held until the cluster notices the
 *     death (CHAT_NODE_TTL_MS): the page says it waits for its name, rejoins
 *     with it, fills the public lines it missed from the shared history
 *     once each, and says private ones may be lost. The others see one
 *     leave and one join.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page, chromium } from 'playwright-core';
import type { LineClient } from '../helpers/line-client.ts';
import { type GatewayProcess, type TcpServerProcess, killAll, startGateway, startTcpServer } from '../helpers/processes.ts';
import { type RedisServer, killAllRedis, startRedis } from '../helpers/redis-server.ts';
import { WsClient } from '../helpers/ws-client.ts';
import { CHROMIUM_ARGS, awayLines, joinChat, messagesStartingWith, message, pageErrors, say, watchErrors } from './fixture.ts';
import { Terminals, comingsAndGoings, saysAll, shownAs } from './terminals.ts';

/** A grace well over a gateway restart on a loaded machine: (a) is about routing, not about the grace. */
const NODE_ENV = { CHAT_RESUME_GRACE_MS: '120000' };

let redis: RedisServer;
const nodes: TcpServerProcess[] = [];
let gateway: GatewayProcess;
let gatewayEnv: Record<string, string>;
let browser: Browser;
let page: Page;
let errors: string[] = [];
const terminals = new Terminals();
let rui: LineClient;
let ear: LineClient;

beforeAll(async () => {
  redis = await startRedis();
  for (const name of ['node-1', 'node-2']) {
    nodes.push(await startTcpServer({ ...NODE_ENV, CHAT_REDIS_URL: redis.url, CHAT_NODE_NAME: name }));
  }
  gatewayEnv = { CHAT_SERVERS: nodes.map((n, i) => `node-${i + 1}=127.0.0.1:${n.port}`).join(',') };
  gateway = await startGateway({ chatPort: nodes[0]!.port, env: gatewayEnv });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const context = await browser.newContext({ locale: 'en-US' });
  page = await context.newPage();
  errors = watchErrors(page);
}, 60_000);

afterAll(async () => {
  terminals.closeAll();
  await browser?.close();
  await gateway?.stop('SIGKILL');
  await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
  await redis?.stop();
  killAll();
  killAllRedis();
});

/** The node the page's session token names (its tag), from the page's own sessionStorage. */
async function sessionNode(): Promise<string | null> {
  const saved = await page.evaluate(() => sessionStorage.getItem('chat.session'));
  const token = saved === null ? null : (JSON.parse(saved) as { token: string }).token;
  return token?.split('.').slice(1).join('.') || null;
}

/** Resolves (with the time) once `c` has received `line`, whenever it came. */
async function sees(c: LineClient, line: string): Promise<number> {
  while (!c.lines.includes(line)) await c.waitForCount(c.lines.length + 1);
  return Date.now();
}

/** The page's messages whose text starts with `prefix`, oldest first. */
const shown = (prefix: string) => messagesStartingWith(page, prefix);

describe('a page in a cluster', () => {
  it('(a) resumes on its own node after each gateway kill -9, though a fresh gateway would pick the other', { timeout: 240_000 }, async () => {
    // Someone holds node-1 through the gateway, so least connections sends the page to node-2.
    const holder = new WsClient(gateway.wsUrl, gateway.url);
    await holder.expect('Digite seu nome:');
    await page.goto(gateway.url);
    await joinChat(page, 'pia');
    holder.close();
    expect(await sessionNode()).toBe('node-2');
    rui = await terminals.join(nodes[0]!.port, 'rui');
    ear = await terminals.join(nodes[0]!.port, 'ear');
    await saysAll(rui, 'rui', ear, ['before the restarts']);
    await message(page, 'before the restarts').waitFor();

    for (let round = 1; round <= 3; round++) {
      await gateway.stop('SIGKILL');
      await page.locator('.offline').waitFor();
      const lines = awayLines(`away ${round}`);
      await saysAll(rui, 'rui', ear, lines);
      gateway = await startGateway({ chatPort: nodes[0]!.port, env: { ...gatewayEnv, HTTP_PORT: String(gateway.port) } });

      await message(page, `away ${round} 5`).waitFor({ timeout: 60_000 });
      await page.locator('.status.online').waitFor();
      expect(await shown(`away ${round} `)).toEqual(lines.map(shownAs));
      await page.locator('.system', { hasText: 'Reconnected. Nothing was missed.' }).nth(round - 1).waitFor();
      expect(await sessionNode()).toBe('node-2');
    }
    // It goes on as before: what pia says reaches the other node once.
    await say(page, 'still here on node-2');
    await ear.next((l) => l === 'pia: still here on node-2');
    expect(comingsAndGoings(rui, 'pia')).toEqual([]);
    expect(comingsAndGoings(ear, 'pia')).toEqual([]);
    expect(rui.lines).not.toContain('Usuário pia não encontrado.');
  });

  it('(b) its node killed with kill -9: rejoins through the other node with its name once the death is noticed, the missed public lines filled once each', { timeout: 180_000 }, async () => {
    const pageNode = nodes[1]!;
    const killedAt = Date.now();
    await pageNode.stop('SIGKILL');
    // Said after the page's node is gone: the page cannot have them but from the history.
    const lines = ['missed 1', '@pia lost with the node (private)', 'missed 2'];
    await saysAll(rui, 'rui', ear, lines);

    // The page is back on node-1 but its name is still held by the dead node's session: it waits, saying so.
    await page.getByText('Waiting for your name to be free…').waitFor({ timeout: 60_000 });
    const leftAt = await sees(ear, 'pia saiu do chat.');
    const rejoinedAt = await sees(ear, 'pia entrou no chat!');
    await message(page, 'missed 2').waitFor({ timeout: 60_000 });
    await page.locator('.status.online').waitFor();
    await page.locator('.system', { hasText: 'Reconnected. Private messages sent to you while you were away may be lost.' }).waitFor();
    expect(await shown('missed ')).toEqual(['missed 1', 'missed 2']);
    expect(await shown('before the restarts')).toEqual(['before the restarts']);
    expect(await sessionNode()).toBe('node-1');
    console.info(
      `resume-cluster (b): node killed → its users' leave seen ${leftAt - killedAt} ms, → the page rejoined ${rejoinedAt - killedAt} ms`,
    );

    await say(page, 'back through node-1');
    await ear.next((l) => l === 'pia: back through node-1');
    expect(comingsAndGoings(ear, 'pia')).toEqual(['pia saiu do chat.', 'pia entrou no chat!']);
    expect(comingsAndGoings(rui, 'pia')).toEqual(['pia saiu do chat.', 'pia entrou no chat!']);
  });

  it('threw no errors (the browser says when a socket could not open: the gateway was away)', () => {
    expect(pageErrors(errors)).toEqual([]);
  });
});
