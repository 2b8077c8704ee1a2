/**
 * Redis commands per public line come from `INFO commandstats`: the
 * figure is only the whole cost if Redis counts the commands a script runs,
 * which a real redis-server shows here.
 */
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { commandsBetween, parseCommandStats, totalCalls } from '../../bench/redis-commands.ts';
import { killAllRedis, startRedis } from '../helpers/redis-server.ts';

afterAll(() => killAllRedis());

describe('INFO commandstats', () => {
  it('reads the calls of every command, subcommands included, and leaves out the INFO that reads them', () => {
    const before = parseCommandStats('# Commandstats\r\ncmdstat_info:calls=1,usec=5,usec_per_call=5.00,rejected_calls=0,failed_calls=0\r\n');
    const after = parseCommandStats(
      [
        '# Commandstats',
        'cmdstat_xadd:calls=30,usec=90,usec_per_call=3.00,rejected_calls=0,failed_calls=0',
        'cmdstat_xinfo|groups:calls=2,usec=9,usec_per_call=4.50,rejected_calls=0,failed_calls=0',
        'cmdstat_info:calls=2,usec=10,usec_per_call=5.00,rejected_calls=0,failed_calls=0',
        '',
      ].join('\r\n'),
    );
    expect(after).toEqual({ xadd: 30, 'xinfo|groups': 2, info: 2 });
    const ran = commandsBetween(before, after);
    expect(ran).toEqual({ xadd: 30, 'xinfo|groups': 2 });
    expect(totalCalls(ran)).toBe(32);
  });

  it('counts the commands a script runs under their own names, as well as the script call', async () => {
    const redis = await startRedis();
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const read = async () => parseCommandStats(await client.info('commandstats'));
      const sha = String(await client.sendCommand(['SCRIPT', 'LOAD', "redis.call('XADD', KEYS[1], '*', 'a', '1'); return redis.call('ZADD', KEYS[2], 1, 'x')"]));
      const before = await read();
      for (let i = 0; i < 3; i++) await client.sendCommand(['EVALSHA', sha, '2', 'log', 'window']);
      expect(commandsBetween(before, await read())).toEqual({ evalsha: 3, xadd: 3, zadd: 3 });
    } finally {
      await client.close();
      await redis.stop();
    }
  });
});
