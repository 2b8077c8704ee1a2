/**
 * The cluster's settings: defaults, values from the environment, and a bad
 * value stopping the process with the variable's name.
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../common/env.ts';
import { clusterConfigFromEnv, redactUrl } from '../../../tcp-server/cluster/cluster-config.ts';

describe('cluster settings', () => {
  it('without CHAT_REDIS_URL the server is not a cluster; the defaults', () => {
    const c = clusterConfigFromEnv({});
    expect(c).toMatchObject({ redisUrl: '', bufferBytes: 8 * 1024 * 1024, heartbeatMs: 1000, nodeTtlMs: 5000 });
    expect(c.nodeName).toBe(hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64) || 'node');
  });

  it('reads every variable', () => {
    expect(
      clusterConfigFromEnv({
        CHAT_REDIS_URL: 'redis://10.0.0.5:6380/2',
        CHAT_REDIS_BUFFER_BYTES: '65536',
        CHAT_NODE_NAME: 'node-a',
        CHAT_NODE_HEARTBEAT_MS: '500',
        CHAT_NODE_TTL_MS: '3000',
      }),
    ).toEqual({ redisUrl: 'redis://10.0.0.5:6380/2', bufferBytes: 65536, nodeName: 'node-a', heartbeatMs: 500, nodeTtlMs: 3000 });
  });

  it.each([
    [{ CHAT_REDIS_URL: 'not a url' }, /CHAT_REDIS_URL/],
    [{ CHAT_REDIS_URL: 'http://127.0.0.1:6379' }, /CHAT_REDIS_URL must start with redis:\/\//],
    [{ CHAT_REDIS_BUFFER_BYTES: '12x' }, /CHAT_REDIS_BUFFER_BYTES/],
    [{ CHAT_REDIS_BUFFER_BYTES: '100' }, /CHAT_REDIS_BUFFER_BYTES must be a whole number from 1024/],
    [{ CHAT_NODE_NAME: 'has space' }, /CHAT_NODE_NAME/],
    [{ CHAT_NODE_HEARTBEAT_MS: '0' }, /CHAT_NODE_HEARTBEAT_MS/],
    [{ CHAT_NODE_TTL_MS: '1500' }, /CHAT_NODE_TTL_MS \(1500\) must be at least twice CHAT_NODE_HEARTBEAT_MS \(1000\)/],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => clusterConfigFromEnv(env)).toThrow(ConfigError);
    expect(() => clusterConfigFromEnv(env)).toThrow(message);
  });

  it('never repeats a password from the URL in a message', () => {
    expect(redactUrl('redis://user:s3cret@10.0.0.5:6379')).toBe('redis://user:***@10.0.0.5:6379');
    expect(() => clusterConfigFromEnv({ CHAT_REDIS_URL: 'http://u:s3cret@h' })).toThrow(/^(?!.*s3cret)/s);
  });
});
