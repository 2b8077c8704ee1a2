/**
 * The gateway's settings from the environment: defaults, and a bad value
 * refused with a message naming its variable.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/env.ts';
import { gatewayConfigFromEnv } from '../../gateway/config.ts';

describe('gatewayConfigFromEnv', () => {
  it('has the documented defaults for the hardening settings', () => {
    const c = gatewayConfigFromEnv({});
    expect(c.allowedHosts).toEqual([]);
    expect(c.trustProxy).toEqual([]);
    expect(c.maxSockets).toBe(10_000);
    expect(c.fdReserve).toBe(128);
    expect(c.healthCacheMs).toBe(1000);
    expect(c.shutdownRelayMs).toBe(2000);
    expect(c.shutdownCloseMs).toBe(2000);
  });

  it('reads lists, trimmed, empty entries dropped', () => {
    const c = gatewayConfigFromEnv({
      ALLOWED_HOSTS: ' chat.example , *.lan.example,,',
      TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,loopback,::1',
      MAX_SOCKETS: '500',
    });
    expect(c.allowedHosts).toEqual(['chat.example', '*.lan.example']);
    expect(c.trustProxy).toEqual(['10.0.0.1', '192.168.0.0/16', 'loopback', '::1']);
    expect(c.maxSockets).toBe(500);
  });

  it.each([
    ['ALLOWED_HOSTS', 'https://chat.example'],
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['TRUST_PROXY', 'proxy.example'],
    ['MAX_SOCKETS', '0'],
    ['FD_RESERVE', '-1'],
    ['HEALTH_CACHE_MS', 'soon'],
    ['SHUTDOWN_RELAY_MS', '1.5'],
  ])('refuses %s=%s with a ConfigError naming the variable', (name, value) => {
    let error: unknown;
    try {
      gatewayConfigFromEnv({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(new RegExp(`^${name}\\b`));
    expect((error as Error).message).toContain(value);
  });
});
