/**
 * The gateway's settings from the environment: defaults, and a bad value
 * refused with a message naming its variable.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/env.ts';
import { gatewayConfigFromEnv } from '../../gateway/config.ts';
import { unnamedNodesWarning } from '../../gateway/upstream-nodes.ts';

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

describe('CHAT_SERVERS', () => {
  it('defaults to the one chat server at CHAT_HOST:CHAT_PORT', () => {
    expect(gatewayConfigFromEnv({}).chatServers).toEqual([{ host: '127.0.0.1', port: 12345, address: '127.0.0.1:12345' }]);
    expect(gatewayConfigFromEnv({ CHAT_HOST: '::1', CHAT_PORT: '7000' }).chatServers).toEqual([
      { host: '::1', port: 7000, address: '[::1]:7000' },
    ]);
  });

  it('reads host:port entries, names and bracketed IPv6 alike, in order', () => {
    const c = gatewayConfigFromEnv({ CHAT_SERVERS: 'chat-1.internal:12345, 10.0.0.2:12346,[::1]:12347', CHAT_PORT: '9' });
    expect(c.chatServers.map((n) => [n.host, n.port, n.address])).toEqual([
      ['chat-1.internal', 12345, 'chat-1.internal:12345'],
      ['10.0.0.2', 12346, '10.0.0.2:12346'],
      ['::1', 12347, '[::1]:12347'],
    ]);
  });

  it('reads named entries (name=host:port, the node\'s CHAT_NODE_NAME) mixed with plain ones', () => {
    const c = gatewayConfigFromEnv({ CHAT_SERVERS: 'node-1=10.0.0.1:12345,n_2.eu=[::1]:12346, 10.0.0.3:12347' });
    expect(c.chatServers).toEqual([
      { host: '10.0.0.1', port: 12345, address: '10.0.0.1:12345', name: 'node-1' },
      { host: '::1', port: 12346, address: '[::1]:12346', name: 'n_2.eu' },
      { host: '10.0.0.3', port: 12347, address: '10.0.0.3:12347' },
    ]);
  });

  it('warns once about unnamed nodes only when there are several nodes and some have no name', () => {
    const nodes = (v: string) => gatewayConfigFromEnv({ CHAT_SERVERS: v }).chatServers;
    expect(unnamedNodesWarning(nodes('a=h:1,b=h:2'))).toBeNull();
    expect(unnamedNodesWarning(nodes('h:1'))).toBeNull();
    expect(unnamedNodesWarning(nodes('a=h:1,h:2,h:3'))).toMatch(/^CHAT_SERVERS: h:2, h:3 have no name \(name=host:port/);
  });

  it('has the documented defaults for workers and the cooldown', () => {
    const c = gatewayConfigFromEnv({});
    expect(c.workers).toBe(1);
    expect(c.upstreamCooldownMs).toBe(5000);
    expect(gatewayConfigFromEnv({ GATEWAY_WORKERS: '4', UPSTREAM_COOLDOWN_MS: '0' })).toMatchObject({
      workers: 4,
      upstreamCooldownMs: 0,
    });
  });

  it.each([
    ['CHAT_SERVERS', '127.0.0.1', '"127.0.0.1" is not host:port'],
    ['CHAT_SERVERS', '127.0.0.1:0', '"127.0.0.1:0" is not host:port'],
    ['CHAT_SERVERS', '127.0.0.1:70000', '"127.0.0.1:70000" is not host:port'],
    ['CHAT_SERVERS', '::1:12345', '"::1:12345" is not host:port (an IPv6 address in brackets'],
    ['CHAT_SERVERS', 'tcp://chat:12345', '"tcp://chat:12345" is not host:port'],
    ['CHAT_SERVERS', 'a:1,A:1', '"A:1" is listed twice'],
    ['CHAT_SERVERS', 'n1=a:1,n1=b:1', '"n1=b:1": the name n1 is given twice'],
    ['CHAT_SERVERS', 'n1=a:1,n2=a:1', '"n2=a:1" is listed twice'],
    ['CHAT_SERVERS', '=a:1', '"=a:1": a node\'s name is its CHAT_NODE_NAME'],
    ['CHAT_SERVERS', 'node 1=a:1', '"node 1=a:1": a node\'s name is its CHAT_NODE_NAME'],
    ['CHAT_SERVERS', `${'n'.repeat(65)}=a:1`, 'a node\'s name is its CHAT_NODE_NAME, 1 to 64'],
    ['CHAT_SERVERS', 'a=b=c:1', '"a=b=c:1" is not host:port'],
    ['GATEWAY_WORKERS', '0', 'from 1 to 256, got "0"'],
    ['GATEWAY_WORKERS', '1000', 'from 1 to 256, got "1000"'],
    ['UPSTREAM_COOLDOWN_MS', '-5', 'got "-5"'],
  ])('refuses %s=%s with a ConfigError naming the variable', (name, value, what) => {
    let error: unknown;
    try {
      gatewayConfigFromEnv({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(new RegExp(`^${name}\\b`));
    expect((error as Error).message).toContain(what);
  });
});
