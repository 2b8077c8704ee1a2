/**
 * gateway_sessions_resumed_total: the chat server's `+resumed <name> <count>`
 * line (docs/PROTOCOL.md, session resume), counted as it is relayed to a
 * browser: a real chat server with session resume, a real gateway, real
 * WebSockets and a real terminal client.
 */
import { describe, expect, it } from 'vitest';
import { encodeTextFrames } from '../../gateway/frames.ts';
import { countResumedFrames } from '../../gateway/metrics.ts';
import { scrapeMetrics, startStack } from './fixture.ts';

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

describe('gateway_sessions_resumed_total', () => {
  it('counts each session the real chat server resumed for a browser, and no failed resume', async () => {
    const s = await startStack();
    expect((await scrapeMetrics(s.origin)).get('gateway_sessions_resumed_total')).toBe(0);
    const bia = await s.joinTcp('bia');

    // A page opts in to resume and joins: its session's token, then the lines it counts.
    const page = s.open();
    await page.expect('Digite seu nome:');
    page.send('/ext resume');
    await page.expect('+ext resume');
    page.send('ana');
    const session = await page.next();
    expect(session).toMatch(/^\+session [A-Za-z0-9_-]+$/);
    const token = session.slice('+session '.length);
    await page.next((f) => f.startsWith('Bem-vindo, ana!'));
    await bia.next((l) => l === 'ana entrou no chat!');
    page.close(); // the browser's link drops; the chat server keeps the session
    await page.closed;
    // The count: every frame after `+session` (the welcome here).
    const count = page.frames.length - (page.frames.indexOf(session) + 1);
    expect(count).toBe(1);
    bia.send('estás aí?'); // sent while ana is away: kept for her

    const resumed = s.open();
    await resumed.expect('Digite seu nome:');
    resumed.send('/ext resume');
    await resumed.expect('+ext resume');
    resumed.send(`/resume ${token} ${count}`);
    await resumed.expect(`+resumed ana ${count + 1}`);
    await resumed.expect('bia: estás aí?');

    const stranger = s.open();
    await stranger.expect('Digite seu nome:');
    stranger.send('/ext resume');
    await stranger.expect('+ext resume');
    stranger.send('/resume AAAAAAAAAAAAAAAAAAAAAA 0');
    await stranger.expect('+resume-failed unknown');

    expect((await scrapeMetrics(s.origin)).get('gateway_sessions_resumed_total')).toBe(1);
    // Nobody saw ana leave.
    bia.send('/users');
    await bia.next((l) => l.startsWith('Online ('));
    expect(bia.lines).not.toContain('ana saiu do chat.');
  });

  it('stays at 0 for plain chat, even a user typing "+resumed"', async () => {
    const s = await startStack();
    const ana = await s.join('ana');
    const bia = await s.join('bia');
    ana.send('+resumed ana 1'); // a public line, "ana: +resumed …"
    await bia.next((f) => f === 'ana: +resumed ana 1');
    expect((await scrapeMetrics(s.origin)).get('gateway_sessions_resumed_total')).toBe(0);
  });
});
