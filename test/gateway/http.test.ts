/**
 * What the gateway answers over plain HTTP: the page, its headers, and who
 * may open a WebSocket. /healthz has its own file (health.test.ts).
 */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { startGatewayApp, startStack } from './fixture.ts';

/** A built page of our own, so these tests do not depend on the real build. */
function fakeDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chat-dist-'));
  mkdirSync(join(dir, 'assets'));
  const html = '<!doctype html><title>Chat</title><script type="module" src="/assets/app-abc123.js"></script>';
  const js = 'console.log("chat");'.repeat(50);
  writeFileSync(join(dir, 'index.html'), html);
  writeFileSync(join(dir, 'index.html.br'), brotliCompressSync(html));
  writeFileSync(join(dir, 'index.html.gz'), gzipSync(html));
  writeFileSync(join(dir, 'assets/app-abc123.js'), js);
  writeFileSync(join(dir, 'assets/app-abc123.js.br'), brotliCompressSync(js));
  writeFileSync(join(dir, 'assets/app-abc123.js.gz'), gzipSync(js));
  return dir;
}

describe('the page', () => {
  it('serves index.html, revalidated, with the security headers', async () => {
    const { app } = await startGatewayApp(1, { staticDir: fakeDist() });
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toContain('<title>Chat</title>');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('serves hashed assets with a year-long immutable cache, compressed as the browser accepts', async () => {
    const { app } = await startGatewayApp(1, { staticDir: fakeDist() });
    const br = await app.inject({ url: '/assets/app-abc123.js', headers: { 'accept-encoding': 'br, gzip' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers['vary']).toContain('accept-encoding');
    const gz = await app.inject({ url: '/assets/app-abc123.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    const plain = await app.inject({ url: '/assets/app-abc123.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe('console.log("chat");'.repeat(50));
  });

  it('answers 404 for what is not there', async () => {
    const { app } = await startGatewayApp(1, { staticDir: fakeDist() });
    expect((await app.inject({ url: '/nope.js' })).statusCode).toBe(404);
  });
});

describe('who may open /ws', () => {
  it('refuses a foreign Origin with 403 before the upgrade', async () => {
    const s = await startStack();
    const evil = s.open('http://evil.example');
    await expect(evil.opened).rejects.toThrow();
    expect(evil.refusedWith).toBe(403);
  });

  it('refuses a handshake with no Origin', async () => {
    const s = await startStack();
    const bare = s.open(null);
    await expect(bare.opened).rejects.toThrow();
    expect(bare.refusedWith).toBe(403);
  });

  it('accepts an origin listed in ALLOWED_ORIGINS', async () => {
    const s = await startStack({}, { allowedOrigins: ['https://chat.example'] });
    const ok = s.open('https://chat.example');
    await ok.expect('Digite seu nome:');
  });

  it('caps sockets per address at MAX_SOCKETS_PER_IP and frees a place on close', async () => {
    const s = await startStack({}, { maxSocketsPerIp: 2 });
    const a = await s.join('a');
    await s.join('b');
    const c = s.open();
    await expect(c.opened).rejects.toThrow();
    expect(c.refusedWith).toBe(429);
    a.close();
    await a.closed;
    // The gateway learns of the close a moment later; a new socket then fits.
    await s.openOnceRoom(429);
  });
});
