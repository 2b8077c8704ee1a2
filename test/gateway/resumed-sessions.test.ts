/**
 * gateway_sessions_resumed_total: the chat server's `+resumed <name> <count>`
 * line (docs/PROTOCOL.md, session resume), counted as it is relayed to a
 * browser. The chat server with session resume is being built on another
 * branch: the upstream here is a real TCP server in the test speaking that
 * part of the protocol (the prompt, `/resume`, `+resumed`, then lines), with
 * a real gateway and a real WebSocket in front of it.
 */
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodeTextFrames } from '../../gateway/frames.ts';
import { countResumedFrames } from '../../gateway/metrics.ts';
import { scrapeMetrics, startChat, startGatewayApp, startGatewayOnUpstream } from './fixture.ts';

const frames = (...lines: string[]) => encodeTextFrames(lines.map((l) => Buffer.from(l)));

describe('countResumedFrames', () => {
  it('counts the frames whose line starts with "+resumed ", whatever the frame header size', () => {
    expect(countResumedFrames(frames('+resumed ana 12'))).toBe(1);
    expect(countResumedFrames(frames('Digite seu nome:', '+resumed ana 0', 'bia: oi', '+resumed bia 3'))).toBe(2);
    // Payloads of 126+ bytes (16-bit length) and of 65,536+ bytes (64-bit length) before and around it.
    const long = 'x'.repeat(300);
    const huge = 'y'.repeat(70_000);
    expect(countResumedFrames(frames(long, '+resumed ana 5', huge, `+resumed ${long} 1`, huge))).toBe(2);
  });

  it('does not count "+resumed " anywhere but at a line start, nor a line that is only a prefix of it', () => {
    expect(countResumedFrames(frames('bia: +resumed ana 3', '[privado] bia: +resumed x 1'))).toBe(0);
    expect(countResumedFrames(frames('+resumed', '+resumedana 1', '+resume-failed unknown'))).toBe(0);
    expect(countResumedFrames(frames('Digite seu nome:'))).toBe(0);
  });
});

/** A chat server that knows one session: `/resume tok <n>` resumes it as `ana`, anything else is refused. */
function resumingUpstream(socket: net.Socket): void {
  socket.setEncoding('utf8');
  socket.write('Digite seu nome:\n');
  let buffered = '';
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let lf: number;
    while ((lf = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, lf);
      buffered = buffered.slice(lf + 1);
      if (line === '/resume tok 2') {
        // The confirmation split in two writes: the gateway's framing joins it.
        socket.write('+resu');
        setImmediate(() => socket.write('med ana 4\nbia: +resumed is just text here\nbia: depois\n'));
      } else if (line.startsWith('/resume ')) {
        socket.write('+resume-failed unknown\nDigite seu nome:\n');
      }
    }
  });
}

describe('gateway_sessions_resumed_total', () => {
  it('counts each session the chat server resumed for a browser, and nothing else', async () => {
    const s = await startGatewayOnUpstream(resumingUpstream);
    const before = await scrapeMetrics(s.origin);
    expect(before.get('gateway_sessions_resumed_total')).toBe(0);

    const resumed = s.open();
    await resumed.expect('Digite seu nome:');
    resumed.send('/resume tok 2');
    await resumed.expect('+resumed ana 4');
    await resumed.expect('bia: +resumed is just text here');
    await resumed.expect('bia: depois');
    const refused = s.open();
    await refused.expect('Digite seu nome:');
    refused.send('/resume velho 9');
    await refused.expect('+resume-failed unknown');
    await refused.expect('Digite seu nome:');
    const again = s.open();
    await again.expect('Digite seu nome:');
    again.send('/resume tok 2');
    await again.next((f) => f === 'bia: depois');

    const m = await scrapeMetrics(s.origin);
    expect(m.get('gateway_sessions_resumed_total')).toBe(2);
  });

  it('stays at 0 for plain chat through the real chat server', async () => {
    const { port } = await startChat();
    const s = await startGatewayApp(port);
    const ana = await s.join('ana');
    const bia = await s.join('bia');
    ana.send('+resumed ana 1'); // a user typing it is a public line, "ana: +resumed …"
    await bia.next((f) => f === 'ana: +resumed ana 1');
    expect((await scrapeMetrics(s.origin)).get('gateway_sessions_resumed_total')).toBe(0);
  });
});
