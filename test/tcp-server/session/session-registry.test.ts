/**
 * Tokens and the session registry without sockets: tokens carry enough
 * randomness, are found by a digest and compared whole, and a session's
 * grace runs out once unless stopped.
 */
import { describe, expect, it } from 'vitest';
import { SessionRegistry } from '../../../tcp-server/session/session-registry.ts';
import { TOKEN_BYTES, newToken, sameToken, tokenLookupKey } from '../../../tcp-server/session/token.ts';

const member = { name: 'ana', key: 'ana', ids: false, labels: true };

describe('tokens', () => {
  it('are at least 128 random bits in the protocol’s characters, never repeated', () => {
    expect(TOKEN_BYTES * 8).toBeGreaterThanOrEqual(128);
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const t = newToken();
      expect(t).toMatch(/^[A-Za-z0-9_-]{1,100}$/);
      seen.add(t);
    }
    expect(seen.size).toBe(1000);
  });

  it('compare equal only when identical, whatever the length', () => {
    const t = newToken();
    expect(sameToken(t, t)).toBe(true);
    expect(sameToken(t, t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A'))).toBe(false);
    expect(sameToken(t, t + 'x')).toBe(false);
    expect(sameToken(t, '')).toBe(false);
  });

  it('are looked up by a digest that does not contain them', () => {
    const t = newToken();
    expect(tokenLookupKey(t)).not.toContain(t);
    expect(tokenLookupKey(t)).toBe(tokenLookupKey(t));
  });
});

describe('SessionRegistry', () => {
  it('finds a session by its token and by nothing else', () => {
    const reg = new SessionRegistry<string>({ graceMs: 1000, bufferBytes: 4096 });
    const a = reg.open(member, 'conn-a');
    const b = reg.open({ ...member, name: 'bob', key: 'bob' }, 'conn-b');
    expect(reg.find(a.token)).toBe(a);
    expect(reg.find(b.token)).toBe(b);
    expect(reg.find(a.token + 'x')).toBeUndefined();
    expect(reg.find('nada')).toBeUndefined();
    reg.end(a);
    expect(reg.find(a.token)).toBeUndefined();
    expect(reg.has(b)).toBe(true);
    expect(reg.size).toBe(1);
  });

  it('is off with a grace of 0', () => {
    expect(new SessionRegistry({ graceMs: 0, bufferBytes: 4096 }).enabled).toBe(false);
    expect(new SessionRegistry({ graceMs: 1, bufferBytes: 4096 }).enabled).toBe(true);
  });

  it('runs out the grace once, unless stopped or ended', async () => {
    const reg = new SessionRegistry<string>({ graceMs: 20, bufferBytes: 4096 });
    const a = reg.open(member, 'x');
    const b = reg.open(member, 'y');
    const c = reg.open(member, 'z');
    let expired: string[] = [];
    const done = new Promise<void>((resolve) => reg.startGrace(a, () => (expired.push('a'), resolve())));
    reg.startGrace(b, () => expired.push('b'));
    reg.startGrace(c, () => expired.push('c'));
    reg.stopGrace(b);
    reg.end(c);
    await done;
    await new Promise((r) => setTimeout(r, 40));
    expect(expired).toEqual(['a']);
    expired = [];
    reg.endAll();
    expect(reg.size).toBe(0);
  });

  it('forgets in connected sessions the lines written more than the grace ago', () => {
    const reg = new SessionRegistry<string>({ graceMs: 1000, bufferBytes: 4096 });
    const a = reg.open(member, 'x');
    a.replay.record([Buffer.from('Bem-vindo, ana! Online (1): ana\n')], 0, 10_000);
    reg.forgetDelivered(10_500);
    expect(a.replay.bytes).toBeGreaterThan(0);
    reg.forgetDelivered(11_001);
    expect(a.replay.bytes).toBe(0);
    expect(a.replay.total).toBe(1);
  });
});
