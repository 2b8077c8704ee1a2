/**
 * `npm run bench` flags: which workloads, how big, how long. The full run's
 * sizes are the issues'; `--quick` is a smaller smoke run (a few minutes).
 */
import type { WsClientKind } from './worker-protocol.ts';

export const WORKLOADS = ['fanout', 'saturate', 'idle', 'gateway', 'history', 'resume', 'cluster', 'joins'] as const;
export type Workload = (typeof WORKLOADS)[number];

export interface BenchOptions {
  workloads: Workload[];
  quick: boolean;
  /** Clients of fanout, saturate, gateway and cluster. */
  clients: number;
  /** Idle TCP clients (baseline and server). */
  idleClients: number;
  /**
   * Idle WebSockets through the gateway. The gateway holds two descriptors per
   * browser (its WebSocket and its upstream TCP connection) and the machine
   * allows 20,000 per process, so 10,000 cannot fit: 9,900 is the most that
   * leaves the gateway room for its own files.
   */
  idleWsClients: number;
  fanoutSenders: number;
  fanoutRate: number;
  saturateSenders: number;
  /** Deliveries per second the first saturate step offers. */
  saturateStartDeliveries: number;
  /** Seconds of a fanout or gateway step. */
  seconds: number;
  /** Seconds of a saturate step. */
  stepSeconds: number;
  /** Doubling steps at most. */
  maxSteps: number;
  /** Bisection steps between the last sustained rate and the first that was not. */
  refineSteps: number;
  /** Time the processes get to settle before and after an idle measurement. */
  settleMs: number;
  /** How many times each workload runs baseline and project, alternating. */
  rounds: number;
  /** Load-generator worker processes (more are added when clients need the descriptors). */
  workers: number;
  /** Members of each join storm, smallest first (the growth target compares the first and the last). */
  joinSizes: number[];
  /** Longest wait for a join storm, and then for the newcomer, before they count as not welcomed. */
  joinTimeoutSeconds: number;
  /** Per-sender rate of the gateway's saturate step (default: the server's sustained rate from saturate; none without it). */
  gatewayRate: number | null;
  /** Deliveries/s offered by the gateway workload's loaded step (issue 14: 1.6M). */
  gatewayDeliveries: number;
  /** Deliveries/s offered by the cluster workload's heavier step (the gateway's 1.6M/s shape). */
  clusterDeliveries: number;
  /**
   * Clients of the cluster workload's second count of Redis commands per
   * line (two nodes, the same lines to fewer recipients).
   */
  clusterSmallClients: number;
  /** The load generator's WebSocket client: the lean one (default) or the `ws` library. */
  wsClient: WsClientKind;
  /** Public lines stored before `/history` and `/since` are timed. */
  historyLines: number;
  /** Timed `/history 200` requests. */
  historyRequests: number;
  /** Lines a `/since` catch-up has missed. */
  missedLines: number;
  /** Timed `/since` catch-ups. */
  catchUps: number;
  /** Per-sender rate of the history workload's loaded step (default: the server's sustained rate from saturate, else 40). */
  historyRate: number | null;
  /** Write .cpuprofile files of the server and gateway under bench/results/profiles, and summarise them. */
  profile: boolean;
  /** Where the JSON results go (default bench/results/bench-<time>.json). */
  out: string | null;
  /** Also write the SVG charts here under fixed names (docs/bench updates the page's charts). */
  chartsDir: string | null;
  /** Measure nothing: draw the charts of this saved results file. */
  redraw: string | null;
}

type Sizes = Omit<BenchOptions, 'workloads' | 'profile' | 'out' | 'gatewayRate' | 'historyRate' | 'chartsDir' | 'redraw' | 'wsClient'>;

export const FULL: Sizes = {
  quick: false,
  clients: 1000,
  idleClients: 10_000,
  idleWsClients: 9_900,
  fanoutSenders: 10,
  fanoutRate: 10,
  saturateSenders: 20,
  saturateStartDeliveries: 200_000,
  gatewayDeliveries: 1_600_000,
  clusterDeliveries: 1_600_000,
  clusterSmallClients: 200,
  seconds: 10,
  stepSeconds: 5,
  maxSteps: 10,
  refineSteps: 2,
  rounds: 2,
  settleMs: 3000,
  workers: 2,
  joinSizes: [1000, 2000, 4000],
  joinTimeoutSeconds: 300,
  historyLines: 10_000,
  historyRequests: 1000,
  missedLines: 1000,
  catchUps: 100,
};

const QUICK_GATEWAY_DELIVERIES = 320_000;

export const QUICK: Sizes = {
  ...FULL,
  quick: true,
  clients: 200,
  idleClients: 500,
  idleWsClients: 500,
  seconds: 1,
  stepSeconds: 1,
  maxSteps: 4,
  refineSteps: 0,
  rounds: 1,
  settleMs: 1000,
  joinSizes: [100, 200, 400],
  // The same lines per second as the full run's 1.6M (20 × 80/s), to 200 clients.
  gatewayDeliveries: QUICK_GATEWAY_DELIVERIES,
  clusterDeliveries: QUICK_GATEWAY_DELIVERIES,
  clusterSmallClients: 40,
  joinTimeoutSeconds: 30,
  historyRequests: 200,
  catchUps: 20,
};

const list = (sizes: number[]) => sizes.map((n) => n.toLocaleString('en-US')).join(', ');

export const USAGE = `Usage: npm run bench -- [workloads] [options]

Workloads (all when none is named; each by its flag or its bare name: --cluster or cluster):
  --fanout       ${FULL.clients} clients, ${FULL.fanoutSenders} senders × ${FULL.fanoutRate} lines/s, baseline vs server
  --saturate     ${FULL.clients} clients, ${FULL.saturateSenders} senders, rate doubled until deliveries stop growing
  --idle         ${FULL.idleClients} idle TCP clients (baseline, server) and ${FULL.idleWsClients} WebSockets (gateway): RSS per connection
  --gateway      fanout, ${(FULL.gatewayDeliveries / 1e6).toFixed(1)}M deliveries/s and (after --saturate) the server's sustained rate,
                 each on direct TCP and through the gateway with 1 and 2 workers (GATEWAY_WORKERS)
  --history      fanout and one saturate step with history on vs off; then, with
                 ${FULL.historyLines.toLocaleString('en-US')} lines stored, ${FULL.historyRequests.toLocaleString('en-US')} × /history 200 and ${FULL.catchUps} /since catch-ups of ${FULL.missedLines.toLocaleString('en-US')} missed lines
  --resume       fanout and one saturate step, then ${FULL.idleClients} idle clients, each without and with
                 resumable sessions (clients that opt in with /ext resume and hold a session); idle RSS
                 right after the joins and again at steady state (idle for the default grace + one sweep)
  --joins        storms of ${list(FULL.joinSizes)} clients joining at once (members that read, and that never
                 read), then one newcomer: baseline vs server
  --cluster      the server on Redis: one node with ${FULL.clients.toLocaleString('en-US')} clients, two nodes with ${(FULL.clients / 2).toLocaleString('en-US')} each, and the
                 single server without Redis, at the fanout load and ${(FULL.clusterDeliveries / 1e6).toFixed(1)}M deliveries/s; Redis commands
                 per public line, again with two nodes of ${(FULL.clusterSmallClients / 2).toLocaleString('en-US')} clients (needs redis-server)

Options:
  --quick              a smaller run, a few minutes (indicative only)
  --clients N          clients of fanout, saturate, gateway and cluster
  --idle-clients N     idle TCP clients
  --idle-ws-clients N  idle WebSockets through the gateway (at most ~9,900 here: see docs/BENCHMARKS.md)
  --join-sizes A,B,…   members of each join storm (--quick: ${list(QUICK.joinSizes)})
  --join-timeout S     longest wait for a storm, then for the newcomer (default ${FULL.joinTimeoutSeconds}, --quick ${QUICK.joinTimeoutSeconds})
  --seconds S          length of a fanout / gateway step
  --step-seconds S     length of a saturate step
  --rounds N           baseline/project alternations per workload (best of N is reported)
  --gateway-rate N     lines/s per sender of the gateway's saturate step (default: the server's sustained rate,
                       when --saturate ran)
  --gateway-deliveries N  deliveries/s of the gateway's loaded step (default ${FULL.gatewayDeliveries.toLocaleString('en-US')}; --quick
                       ${QUICK_GATEWAY_DELIVERIES.toLocaleString('en-US')}, the same lines/s to fewer clients)
  --cluster-deliveries N  deliveries/s of the cluster's heavier step (default ${FULL.clusterDeliveries.toLocaleString('en-US')}; --quick
                       ${QUICK.clusterDeliveries.toLocaleString('en-US')}, the same lines/s to fewer clients)
  --cluster-small-clients N  clients of the cluster's second count of Redis commands per line (two nodes; default
                       a fifth of --clients: ${FULL.clusterSmallClients}, --quick ${QUICK.clusterSmallClients}; the cluster's senders are at most N − 1)
  --ws-client lean|ws  the load generator's WebSocket client: the bench's lean one (default) or the ws library
  --history-rate N     lines/s per sender of the history (and resume) loaded step (default: the server's
                       sustained rate, else 40)
  --history-lines N    lines stored before timing /history and /since
  --history-requests N timed /history 200 requests (--quick: ${QUICK.historyRequests})
  --missed-lines N     lines each /since catch-up has missed (at most --history-lines)
  --catch-ups N        timed /since catch-ups (--quick: ${QUICK.catchUps})
  --workers N          load-generator processes
  --profile            write .cpuprofile files of the server and gateway to bench/results/profiles/ and
                       print where each spent its time
  --out FILE           JSON results file (default bench/results/bench-<date>.json); the SVG charts go beside it
  --charts-dir DIR     also write the charts to DIR under fixed names (docs/bench for docs/BENCHMARKS.md)
  --redraw FILE        measure nothing: draw the charts of a saved results file (beside it, and to --charts-dir)
  --help`;

export class UsageError extends Error {
  readonly code = 'ERR_BENCH_USAGE';
}

/** The flags that take a number: which option, its least value, whole or not. */
const NUMBERS: Record<string, { key: keyof Sizes | 'gatewayRate' | 'historyRate'; min: number; whole: boolean }> = {
  '--clients': { key: 'clients', min: 3, whole: true },
  '--idle-clients': { key: 'idleClients', min: 1, whole: true },
  '--idle-ws-clients': { key: 'idleWsClients', min: 1, whole: true },
  '--join-timeout': { key: 'joinTimeoutSeconds', min: 1, whole: false },
  '--seconds': { key: 'seconds', min: 0.1, whole: false },
  '--step-seconds': { key: 'stepSeconds', min: 0.1, whole: false },
  '--rounds': { key: 'rounds', min: 1, whole: true },
  '--gateway-rate': { key: 'gatewayRate', min: 1, whole: true },
  '--gateway-deliveries': { key: 'gatewayDeliveries', min: 1, whole: true },
  '--cluster-deliveries': { key: 'clusterDeliveries', min: 1, whole: true },
  // Two nodes with at least one sender and one receiver each.
  '--cluster-small-clients': { key: 'clusterSmallClients', min: 4, whole: true },
  '--history-rate': { key: 'historyRate', min: 1, whole: true },
  '--history-lines': { key: 'historyLines', min: 1, whole: true },
  '--history-requests': { key: 'historyRequests', min: 1, whole: true },
  '--missed-lines': { key: 'missedLines', min: 1, whole: true },
  '--catch-ups': { key: 'catchUps', min: 1, whole: true },
  '--workers': { key: 'workers', min: 1, whole: true },
};

/** The flags that take a file or folder name. */
const PATHS: Record<string, 'out' | 'chartsDir' | 'redraw'> = {
  '--out': 'out',
  '--charts-dir': 'chartsDir',
  '--redraw': 'redraw',
};

export function parseArgs(argv: string[]): BenchOptions | 'help' {
  const quick = argv.includes('--quick');
  const o: BenchOptions = {
    ...(quick ? QUICK : FULL),
    workloads: [],
    profile: false,
    out: null,
    gatewayRate: null,
    historyRate: null,
    chartsDir: null,
    redraw: null,
    wsClient: 'lean',
  };
  const number = (flag: string, value: string | undefined, min: number, whole: boolean): number => {
    const n = Number(value);
    if (value === undefined || value.trim() === '' || !Number.isFinite(n) || n < min) {
      throw new UsageError(`${flag} needs a number ≥ ${min}`);
    }
    return whole ? Math.floor(n) : n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // A workload by its bare name (`npm run bench -- cluster`) or as a flag (`--cluster`).
    const name = arg.startsWith('--') ? arg.slice(2) : arg;
    if ((WORKLOADS as readonly string[]).includes(name)) {
      if (!o.workloads.includes(name as Workload)) o.workloads.push(name as Workload);
      continue;
    }
    const numeric = NUMBERS[arg];
    if (numeric !== undefined) {
      Object.assign(o, { [numeric.key]: number(arg, argv[++i], numeric.min, numeric.whole) });
      continue;
    }
    const path = PATHS[arg];
    if (path !== undefined) {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a file or folder name`);
      o[path] = value;
      continue;
    }
    switch (arg) {
      case '--quick':
        break;
      case '--help':
      case '-h':
        return 'help';
      case '--profile':
        o.profile = true;
        break;
      case '--ws-client': {
        const value = argv[++i];
        if (value !== 'lean' && value !== 'ws') throw new UsageError(`${arg} needs lean or ws`);
        o.wsClient = value;
        break;
      }
      case '--join-sizes': {
        const value = argv[++i] ?? '';
        const sizes = value.split(',').map((s) => number(arg, s, 2, true));
        if (sizes.some((n, k) => k > 0 && n <= sizes[k - 1]!)) throw new UsageError(`${arg} needs sizes in increasing order`);
        o.joinSizes = sizes;
        break;
      }
      default:
        throw new UsageError(`unknown option ${arg}\n\n${USAGE}`);
    }
  }
  if (o.workloads.length === 0) o.workloads = [...WORKLOADS];
  if (o.missedLines > o.historyLines) {
    if (argv.includes('--missed-lines')) {
      throw new UsageError(`--missed-lines (${o.missedLines}) cannot be more than --history-lines (${o.historyLines})`);
    }
    o.missedLines = o.historyLines;
  }
  // A fifth of the clients, split evenly over two nodes, unless given: a second count above --clients would compare nothing.
  if (!argv.includes('--cluster-small-clients')) o.clusterSmallClients = Math.max(4, 2 * Math.round(o.clients / 10));
  o.fanoutSenders = Math.min(o.fanoutSenders, o.clients - 1);
  o.saturateSenders = Math.min(o.saturateSenders, o.clients - 1);
  return o;
}

/** Descriptors one load-generator process may use, under the 20,000 per-process limit. */
export const CLIENTS_PER_WORKER = 4000;

export function workersFor(clients: number, wanted: number): number {
  return Math.max(wanted, Math.ceil(clients / CLIENTS_PER_WORKER));
}
