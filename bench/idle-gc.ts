/**
 * A diagnostic for the idle-memory figure: joins 10,000 clients to one
 * system, reads its RSS, then forces two major GCs through the inspector
 * (SIGUSR1 opens it on 127.0.0.1:9229) and reads RSS and
 * process.memoryUsage() again, to tell live per-connection state from what
 * the join storm left behind.
 *
 *   node --import tsx bench/idle-gc.ts [server|baseline]
 */
import WebSocket from 'ws';
import { Session, sleep } from './session.ts';
import { installCleanup } from './processes.ts';
installCleanup();
const system = (process.argv[2] ?? 'server') as 'server' | 'baseline';
const s = await Session.open({ system, clients: 10000, workers: 3, progress: () => {} });
await sleep(1000);
const pid = s.services[0]!.pid;
const before = s.rss();
await s.joinAll();
await sleep(2000);
const joined = s.rss();
process.kill(pid, 'SIGUSR1');
await sleep(1000);
const list = (await (await fetch('http://127.0.0.1:9229/json/list')).json()) as Array<{ webSocketDebuggerUrl: string }>;
const ws = new WebSocket(list[0]!.webSocketDebuggerUrl);
await new Promise((r) => ws.once('open', r));
let id = 0;
const call = (method: string, params: object = {}) =>
  new Promise<any>((resolve) => {
    const my = ++id;
    const on = (d: Buffer) => { const m = JSON.parse(d.toString()); if (m.id === my) { ws.off('message', on); resolve(m.result); } };
    ws.on('message', on);
    ws.send(JSON.stringify({ id: my, method, params }));
  });
const mem = async () => (await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())' })).result.value;
console.log(system, 'before GC', await mem());
await call('HeapProfiler.collectGarbage');
await call('HeapProfiler.collectGarbage');
await sleep(1000);
console.log(system, 'after GC ', await mem());
const afterGc = s.rss();
console.log(system, `KiB/conn: joined ${((joined - before) / 10000 / 1024).toFixed(2)}, after forced GC ${((afterGc - before) / 10000 / 1024).toFixed(2)}`);
ws.close();
await s.close();
