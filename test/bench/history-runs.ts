/**
 * History-workload results as a run records them, built from the figures a
 * test needs: the report and chart tests share them.
 */
import type { HistoryResult } from '../../bench/history.ts';
import type { Latency } from '../../bench/history-requests.ts';
import type { StepResult } from '../../bench/session.ts';

/** A step of `clients` clients that delivered `deliveriesPerSec` using `cpuPct` of a core. */
export function historyStep(deliveriesPerSec: number, cpuPct: number, { lost = 0, clients = 1000, ratePerSender = 10, senders = 10 } = {}): StepResult {
  const offeredLinesPerSec = senders * ratePerSender;
  return {
    senders,
    ratePerSender,
    durationMs: 10_000,
    offeredLinesPerSec,
    offeredDeliveriesPerSec: offeredLinesPerSec * (clients - 1),
    sentLines: offeredLinesPerSec * 10,
    expectedDeliveries: offeredLinesPerSec * 10 * (clients - 1),
    received: deliveriesPerSec * 10,
    deliveriesPerSec,
    lost,
    duplicates: 0,
    orderErrors: 0,
    disconnects: 0,
    p50Ms: 10,
    p99Ms: 30,
    maxMs: 40,
    cpuSystemPct: cpuPct,
    cpuLoadgenPct: 20,
    rssBytes: 100 * 2 ** 20,
  };
}

export function latencyOf(p50Ms: number, p99Ms: number, maxMs = p99Ms * 2, serverCpuMs = p50Ms / 2): Latency {
  return { requests: 1000, p50Ms, p99Ms, maxMs, meanMs: p50Ms, firstMs: maxMs, serverCpuMs };
}

export interface HistoryFigures {
  /** Deliveries/s of the fanout step, history off and on. */
  fanout: [number, number];
  /** Deliveries/s of the loaded step, history off and on. */
  loaded: [number, number];
  /** p50 and p99 of `/history 200`, in ms. */
  lookup: [number, number];
  stored?: number;
  clients?: number;
  /** Deliveries the fanout with history on lost. */
  lost?: number;
}

export function historyResult(f: HistoryFigures): HistoryResult {
  const clients = f.clients ?? 1000;
  const fanout = { off: historyStep(f.fanout[0], 20, { clients }), on: historyStep(f.fanout[1], 21, { clients, lost: f.lost ?? 0 }) };
  const loaded = {
    off: historyStep(f.loaded[0], 80, { clients, senders: 20, ratePerSender: 538 }),
    on: historyStep(f.loaded[1], 84, { clients, senders: 20, ratePerSender: 538 }),
  };
  return {
    clients,
    fanout: {
      clients,
      runs: [
        { system: 'history-off', step: fanout.off },
        { system: 'server', step: fanout.on },
      ],
      best: { 'history-off': fanout.off, server: fanout.on },
    },
    step: {
      ratePerSender: 538,
      senders: 20,
      runs: [
        { system: 'history-off', step: loaded.off },
        { system: 'server', step: loaded.on },
      ],
      best: { 'history-off': loaded.off, server: loaded.on },
    },
    timings: {
      stored: f.stored ?? 10_000,
      fillSeconds: 1,
      lookup: { ...latencyOf(f.lookup[0], f.lookup[1]), count: 200, answerBytes: 17_000 },
      control: latencyOf(0.2, 0.5),
      since: { ...latencyOf(4, 9), missed: 1000, pages: 2 },
    },
  };
}
