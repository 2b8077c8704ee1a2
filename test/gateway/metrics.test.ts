/**
 * GET /metrics after real traffic: every counter moved by exactly what was
 * sent and refused, in Prometheus' text format.
 */
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { scrapeMetrics, startStack } from './fixture.ts';

const bytes = (texts: readonly string[]) => texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0);

/** The change of every series between two scrapes (a series absent before counts from 0). */
function delta(before: Map<string, number>, after: Map<string, number>) {
  return (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0);
}

describe('/metrics', () => {
  it('counts frames and bytes each way, sockets and closes, exactly', async () => {
    const s = await startStack({ rate: 100_000, burst: 100_000 });
    const before = await scrapeMetrics(s.origin);
    const term = await s.joinTcp('bruno');

    const web = await s.join('ana');
    await term.next((l) => l === 'ana entrou no chat!');
    const sent = ['oi', 'ação 🙂', '', 'x'.repeat(3000), '@bruno só pra você'];
    for (const line of sent) web.send(line);
    for (let i = 0; i < 100; i++) term.send(`linha ${i} ${'é'.repeat(i)}`);
    await term.next((l) => l === '[privado] ana: só pra você');
    await web.next((f) => f.startsWith('bruno: linha 99 '));

    let m = await scrapeMetrics(s.origin);
    let d = delta(before, m);
    expect(m.get('gateway_sockets_open')).toBe(1);
    expect(d('gateway_sockets_opened_total')).toBe(1);
    // Browser → chat server: the name, then each line.
    expect(d('gateway_frames_received_total')).toBe(1 + sent.length);
    expect(d('gateway_received_bytes_total')).toBe(bytes(['ana', ...sent]));
    // Chat server → browser: every frame the browser got, byte for byte.
    expect(web.frames).toHaveLength(2 + 100); // prompt, welcome, then bruno's lines
    expect(d('gateway_frames_sent_total')).toBe(web.frames.length);
    expect(d('gateway_sent_bytes_total')).toBe(bytes(web.frames));
    // A browser that keeps up never holds back its chat-server connection.
    expect(d('gateway_upstream_pauses_total')).toBe(0);

    web.ws.close(1000, 'tchau');
    await term.next((l) => l === 'ana saiu do chat.');
    m = await scrapeMetrics(s.origin);
    d = delta(before, m);
    expect(m.get('gateway_sockets_open')).toBe(0);
    expect(d('gateway_socket_closes_total{code="1000"}')).toBe(1);
  });

  it('counts a close by the chat server, and one without a close frame, by their codes', async () => {
    const s = await startStack({}, { heartbeatMs: 50 });
    const quitter = await s.join('ana');
    const mute = s.open(s.origin, { autoPong: false });
    await mute.expect('Digite seu nome:');
    quitter.send('/quit');
    expect((await quitter.closed).code).toBe(1000);
    expect((await mute.closed).code).toBe(1006); // dropped by the heartbeat
    const m = await scrapeMetrics(s.origin);
    expect(m.get('gateway_socket_closes_total{code="1000"}')).toBe(1);
    expect(m.get('gateway_socket_closes_total{code="1006"}')).toBe(1);
  });

  it('counts refused handshakes by reason', async () => {
    const s = await startStack({}, { maxSockets: 2, maxSocketsPerIp: 1 });
    const url = new URL(s.wsUrl);
    // Host: a name that is not ours (DNS rebinding).
    await new Promise<void>((resolve) => {
      const req = http.get({
        host: url.hostname,
        port: url.port,
        path: '/ws',
        headers: { Host: 'evil.example', Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      });
      req.on('response', (res) => {
        expect(res.statusCode).toBe(403);
        res.resume().on('end', resolve);
      });
      req.on('error', () => resolve());
    });
    const badOrigin = s.open('http://evil.example');
    await expect(badOrigin.opened).rejects.toThrow();
    expect(badOrigin.refusedWith).toBe(403);
    await s.join('ana');
    const second = s.open();
    await expect(second.opened).rejects.toThrow();
    expect(second.refusedWith).toBe(429);

    const m = await scrapeMetrics(s.origin);
    expect(m.get('gateway_handshake_refusals_total{reason="host"}')).toBe(1);
    expect(m.get('gateway_handshake_refusals_total{reason="origin"}')).toBe(1);
    expect(m.get('gateway_handshake_refusals_total{reason="address_full"}')).toBe(1);
    expect(m.get('gateway_handshake_refusals_total{reason="gateway_full"}')).toBeUndefined();
  });

  it('follows the Host check like every other path', async () => {
    const s = await startStack();
    const res = await s.app.inject({ url: '/metrics', headers: { host: 'evil.example' } });
    expect(res.statusCode).toBe(403);
  });

  it('names every metric of its own with the gateway_ prefix and every counter with _total', async () => {
    const s = await startStack();
    const text = await (await fetch(`${s.origin}/metrics`)).text();
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(types.length).toBeGreaterThan(5);
    for (const [name, type] of types) {
      expect(name).toMatch(/^gateway_[a-z_]+$/);
      if (type === 'counter') expect(name).toMatch(/_total$/);
    }
  });
});
