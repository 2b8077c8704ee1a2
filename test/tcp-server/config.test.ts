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
});
