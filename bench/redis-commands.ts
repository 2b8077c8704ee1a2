/**
 * Redis's own count of the commands it ran (`INFO commandstats`), read
 * before and after a step: what the cluster costs Redis per public line.
 * Pure: INFO text in, counts out.
 *
 * Redis counts a command run by a script (`redis.call` inside EVALSHA) under
 * its own name as well as the EVALSHA that ran it (test/bench proves it on a
 * real redis-server), so the sum is every command Redis executed.
 */

/** Calls per command (`xadd`, `evalsha`, `xinfo|groups`…), from `INFO commandstats`. */
export type CommandCalls = Record<string, number>;

/**
 * The bench's own command, left out of every count: the INFO that reads the
 * counts (its client connects before the first reading; the nodes never
 * send INFO).
 */
const OWN_COMMANDS = new Set(['info']);

export function parseCommandStats(info: string): CommandCalls {
  const calls: CommandCalls = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[m[1]!] = Number(m[2]);
  return calls;
}

/** The commands run between two readings, without the bench's own. */
export function commandsBetween(before: CommandCalls, after: CommandCalls): CommandCalls {
  const ran: CommandCalls = {};
  for (const [name, n] of Object.entries(after)) {
    if (OWN_COMMANDS.has(name)) continue;
    const d = n - (before[name] ?? 0);
    if (d > 0) ran[name] = d;
  }
  return ran;
}

export function totalCalls(calls: CommandCalls): number {
  return Object.values(calls).reduce((a, b) => a + b, 0);
}
