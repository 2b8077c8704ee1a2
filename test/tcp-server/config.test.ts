import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/env.ts';
import { DEFAULT_CONFIG, serverConfigFromEnv } from '../../tcp-server/config.ts';

describe('server settings from the environment', () => {
  it('waits 2 s for a client to close its side by default, CHAT_CLOSE_GRACE_MS otherwise', () => {
    expect(DEFAULT_CONFIG.closeGraceMs).toBe(2000);
    expect(serverConfigFromEnv({}).closeGraceMs).toBe(2000);
    expect(serverConfigFromEnv({ CHAT_CLOSE_GRACE_MS: '150' }).closeGraceMs).toBe(150);
  });

  it('refuses a CHAT_CLOSE_GRACE_MS that is not a positive whole number, naming it', () => {
    for (const bad of ['0', '-5', '1.5', 'soon']) {
      expect(() => serverConfigFromEnv({ CHAT_CLOSE_GRACE_MS: bad })).toThrow(ConfigError);
      expect(() => serverConfigFromEnv({ CHAT_CLOSE_GRACE_MS: bad })).toThrow(/CHAT_CLOSE_GRACE_MS/);
    }
  });

  it('keeps a dropped session 30 s and 1 MiB for it by default; CHAT_RESUME_GRACE_MS=0 turns resume off', () => {
    expect(serverConfigFromEnv({}).resumeGraceMs).toBe(30_000);
    expect(serverConfigFromEnv({}).resumeBufferBytes).toBe(1024 * 1024);
    expect(serverConfigFromEnv({ CHAT_RESUME_GRACE_MS: '0' }).resumeGraceMs).toBe(0);
    expect(serverConfigFromEnv({ CHAT_RESUME_GRACE_MS: '5000', CHAT_RESUME_BUFFER_BYTES: '65536' })).toMatchObject({
      resumeGraceMs: 5000,
      resumeBufferBytes: 65536,
    });
  });

  it('refuses bad resume settings, naming the variable', () => {
    for (const bad of ['-1', '1.5', 'soon', '86400001']) {
      expect(() => serverConfigFromEnv({ CHAT_RESUME_GRACE_MS: bad })).toThrow(/CHAT_RESUME_GRACE_MS/);
    }
    for (const bad of ['0', '1023', 'lots']) {
      expect(() => serverConfigFromEnv({ CHAT_RESUME_BUFFER_BYTES: bad })).toThrow(/CHAT_RESUME_BUFFER_BYTES/);
    }
  });
});
