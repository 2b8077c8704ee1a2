/**
 * A tuning tool: fixed fan-out steps on one system, one line per step, and
 * optionally a CPU profile of the measured processes, to see what a change
 * to the server does without running the whole benchmark.
 *
 *   node --import tsx bench/steps.ts [baseline|server|gateway] [clients] [rates] [seconds] [--profile]
 *   e.g. node --import tsx bench/steps.ts server 1000 80,160,320 4 --profile
 *   then node --import tsx bench/profile-summary.ts bench/results/profiles/<dir>/<file>.cpuprofile
 */
import { workersFor } from './options.ts';
import { installCleanup, killEverything } from './processes.ts';
import { PROFILE_DIR, Session, type System, sleep } from './session.ts';

installCleanup();
const args = process.argv.slice(2).filter((a) => a !== '--profile');
const system = (args[0] ?? 'server') as System;
const clients = Number(args[1] ?? 1000);
const rates = (args[2] ?? '160').split(',').map(Number);
const seconds = Number(args[3] ?? 5);
const SENDERS = 20;

const session = await Session.open({
  system,
  clients,
  workers: workersFor(clients, 2),
  profileDir: process.argv.includes('--profile') ? PROFILE_DIR : undefined,
  progress: () => {},
});
try {
  await sleep(1000);
  const before = session.rss();
  const { seconds: joinSeconds } = await session.joinAll();
  await sleep(2000);
  const perConnection = (session.rss() - before) / clients / 1024;
  console.log(`${session.label}: ${clients} clients joined in ${joinSeconds.toFixed(1)} s, ${perConnection.toFixed(2)} KiB RSS per connection`);
  for (const rate of rates) {
    const r = await session.step({ senders: SENDERS, ratePerSender: rate, durationMs: seconds * 1000, drainMaxMs: 10_000 });
    const nsPerDelivery = (r.cpuSystemPct * 1e7) / r.deliveriesPerSec;
    console.log(
      `${SENDERS}×${rate}/s: ${Math.round(r.deliveriesPerSec).toLocaleString('en-US')} deliveries/s, ` +
        `p50 ${r.p50Ms.toFixed(1)} p99 ${r.p99Ms.toFixed(1)} max ${r.maxMs.toFixed(1)} ms, lost ${r.lost}, cut ${r.disconnects}, ` +
        `CPU system ${r.cpuSystemPct.toFixed(0)}% (${nsPerDelivery.toFixed(0)} ns/delivery) load ${r.cpuLoadgenPct.toFixed(0)}%`,
    );
  }
} finally {
  await session.close();
  killEverything();
}
