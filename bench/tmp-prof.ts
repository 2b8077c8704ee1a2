import { Session } from './session.ts';
import { installCleanup } from './processes.ts';
installCleanup();
const system = (process.argv[2] ?? 'server') as any;
const clients = Number(process.argv[3] ?? 1000);
const rates = (process.argv[4] ?? '160').split(',').map(Number);
const secs = Number(process.argv[5] ?? 5);
const s = await Session.open({ system, clients, workers: 2, profileDir: process.env.PROF, progress: () => {} });
const j = await s.joinAll();
console.log('joined in', j.seconds.toFixed(1));
for (const rate of rates) {
  const r = await s.step({ senders: 20, ratePerSender: rate, durationMs: secs * 1000, drainMaxMs: 10000 });
  console.log(system, rate, 'ns/deliv', Math.round(r.cpuSystemPct*1e7/r.deliveriesPerSec), Math.round(r.deliveriesPerSec), 'p50', r.p50Ms, 'p99', r.p99Ms, 'max', r.maxMs.toFixed(1), 'lost', r.lost, 'cut', r.disconnects, 'cpu', r.cpuSystemPct.toFixed(0), r.cpuLoadgenPct.toFixed(0));
}
await s.close();
