/**
 * The `joins` workload: a crowd arrives at once. For each size N and each
 * kind of member, fresh processes of the baseline and of the server take N
 * clients that connect together, each sending its name with the connection
 * (as fast as a client can: it does not wait for the prompt); then, once the
 * last is welcomed, one newcomer joins the same way. Reported: the time
 * until the last of the N is welcomed, and how long the newcomer waits from
 * connecting to its welcome. Members either read everything, or stop
 * reading once welcomed (what is sent to them piles up in their kernel
 * buffers, and once those are full in the system's own).
 */
import net from 'node:net';
import { Receiver } from './probe.ts';
import type { System } from './session.ts';
import type { Target } from './worker-protocol.ts';
import { type Context, alternate, withSession } from './workloads.ts';

export const JOIN_VARIANTS = ['readers', 'non-readers'] as const;
export type JoinVariant = (typeof JOIN_VARIANTS)[number];

export const JOIN_VARIANT_LABEL: Record<JoinVariant, string> = {
  readers: 'members that read',
  'non-readers': 'members that never read',
};

/** The newcomer's name: a valid name no bench client has (they are u<index>). */
const NEWCOMER = 'newcomer';

export interface NewcomerResult {
  /** From connecting to the first bytes of the welcome; null: not welcomed. */
  welcomeMs: number | null;
  /** From connecting to the prompt (the name went out with the connection already). */
  promptMs: number | null;
  error: string | null;
}

export interface JoinRun {
  system: System;
  variant: JoinVariant;
  members: number;
  /** From the common start to the last member's welcome; null: not all were welcomed in time. */
  stormSeconds: number | null;
  joined: number;
  failed: number;
  firstError: string | null;
  newcomer: NewcomerResult;
  /** Connections the system closed during the storm and the newcomer's join. */
  cut: number;
  /** RSS of the measured process once the newcomer is in (what non-readers left queued shows here). */
  rssBytes: number;
}

export interface JoinsResult {
  sizes: number[];
  timeoutSeconds: number;
  runs: JoinRun[];
}

/**
 * One newcomer: connects, sends its name at once, and waits for the welcome
 * (or `timeoutMs`). Runs in the main process, which is idle then.
 */
export function newcomer(target: Extract<Target, { kind: 'tcp' }>, timeoutMs: number): Promise<NewcomerResult> {
  return new Promise((resolve) => {
    const receiver = new Receiver();
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    let promptMs: number | null = null;
    let done = false;
    const finish = (welcomeMs: number | null, error: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ welcomeMs, promptMs, error });
    };
    const timer = setTimeout(() => finish(null, `not welcomed within ${timeoutMs} ms`), timeoutMs);
    const socket = net.connect({ host: target.host, port: target.port, noDelay: true });
    socket.write(NEWCOMER + '\n');
    receiver.onPrompt = () => {
      promptMs = elapsed();
    };
    receiver.onJoined = () => finish(elapsed(), null);
    socket.on('data', (chunk: Buffer) => receiver.onBytes(chunk, null, 0));
    socket.on('error', (err) => finish(null, err.message));
    socket.on('close', () => finish(null, 'closed before the welcome'));
  });
}

function joinsOne(ctx: Context, system: System, variant: JoinVariant, members: number): Promise<JoinRun> {
  const timeoutMs = ctx.options.joinTimeoutSeconds * 1000;
  return withSession(
    ctx,
    system,
    members,
    async (session) => {
      if (session.target.kind !== 'tcp') throw new Error('the joins workload speaks TCP');
      ctx.progress(`${session.label}: ${members} joining at once (${JOIN_VARIANT_LABEL[variant]})`);
      const storm = await session.storm(variant === 'non-readers', timeoutMs);
      ctx.progress(`${session.label}: a newcomer after ${members} (${JOIN_VARIANT_LABEL[variant]})`);
      const arrival = await newcomer(session.target, timeoutMs);
      return {
        system,
        variant,
        members,
        stormSeconds: storm.seconds,
        joined: storm.joined,
        failed: storm.failed,
        firstError: storm.firstError,
        newcomer: arrival,
        cut: await session.disconnects(),
        rssBytes: session.rss(),
      };
    },
    { join: false },
  );
}

export async function joins(ctx: Context): Promise<JoinsResult> {
  const o = ctx.options;
  const runs: JoinRun[] = [];
  for (const members of o.joinSizes) {
    for (const variant of JOIN_VARIANTS) {
      for (const system of alternate<System>(['baseline', 'server'], o.rounds)) {
        runs.push(await joinsOne(ctx, system, variant, members));
      }
    }
  }
  return { sizes: o.joinSizes, timeoutSeconds: o.joinTimeoutSeconds, runs };
}

/** The best round of one system, kind of member and size: the fastest storm (a storm that timed out ranks last). */
export function bestJoinRun(result: JoinsResult, system: System, variant: JoinVariant, members: number): JoinRun | undefined {
  const rank = (r: JoinRun) => r.stormSeconds ?? Infinity;
  return result.runs
    .filter((r) => r.system === system && r.variant === variant && r.members === members)
    .reduce<JoinRun | undefined>((best, r) => (best === undefined || rank(r) < rank(best) ? r : best), undefined);
}
