/**
 * `npm run bench` flags: which workloads, how big, how long. The full run's
 * sizes are the issue's; `--quick` is a smaller smoke run (under a minute).
 */

export const WORKLOADS = ['fanout', 'saturate', 'idle', 'gateway'] as const;
export type Workload = (typeof WORKLOADS)[number];

export interface BenchOptions {
  workloads: Workload[];
  quick: boolean;
  /** Clients of fanout, saturate and gateway. */
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
  /** Per-sender rate of the gateway's saturate step (default: the server's sustained rate from saturate, else 40). */
  gatewayRate: number | null;
  /** Write .cpuprofile files of the server and gateway under bench/results/profiles. */
  profile: boolean;
  /** Where the JSON results go (default bench/results/bench-<time>.json). */
  out: string | null;
}

export const FULL: Omit<BenchOptions, 'workloads' | 'profile' | 'out' | 'gatewayRate'> = {
  quick: false,
  clients: 1000,
  idleClients: 10_000,
  idleWsClients: 9_900,
  fanoutSenders: 10,
  fanoutRate: 10,
  saturateSenders: 20,
  saturateStartDeliveries: 200_000,
  seconds: 10,
  stepSeconds: 5,
  maxSteps: 10,
  refineSteps: 2,
  rounds: 2,
  settleMs: 3000,
  workers: 2,
};

export const QUICK: typeof FULL = {
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
};

export const USAGE = `Usage: npm run bench -- [workloads] [options]

Workloads (all when none is named):
  --fanout       ${FULL.clients} clients, ${FULL.fanoutSenders} senders × ${FULL.fanoutRate} lines/s, baseline vs server
  --saturate     ${FULL.clients} clients, ${FULL.saturateSenders} senders, rate doubled until deliveries stop growing
  --idle         ${FULL.idleClients} idle TCP clients (baseline, server) and ${FULL.idleWsClients} WebSockets (gateway): RSS per connection
  --gateway      fanout and one saturate step through the gateway vs direct TCP

Options:
  --quick              a smaller run, under a minute
  --clients N          clients of fanout, saturate and gateway
  --idle-clients N     idle TCP clients
  --idle-ws-clients N  idle WebSockets through the gateway (at most ~9,900 here: see docs/BENCHMARKS.md)
  --seconds S          length of a fanout / gateway step
  --step-seconds S     length of a saturate step
  --rounds N           baseline/project alternations per workload (best of N is reported)
  --gateway-rate N     lines/s per sender of the gateway's saturate step (default: the server's sustained rate)
  --workers N          load-generator processes
  --profile            write .cpuprofile files of the server and gateway to bench/results/profiles/
  --out FILE           JSON results file (default bench/results/bench-<date>.json)
  --help`;

export class UsageError extends Error {
  readonly code = 'ERR_BENCH_USAGE';
}

export function parseArgs(argv: string[]): BenchOptions | 'help' {
  const quick = argv.includes('--quick');
  const o: BenchOptions = { ...(quick ? QUICK : FULL), workloads: [], profile: false, out: null, gatewayRate: null };
  const number = (flag: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || n < min) throw new UsageError(`${flag} needs a number ≥ ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.slice(2);
    if ((WORKLOADS as readonly string[]).includes(name)) {
      o.workloads.push(name as Workload);
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
      case '--clients':
        o.clients = Math.floor(number(arg, argv[++i], 3));
        break;
      case '--idle-clients':
        o.idleClients = Math.floor(number(arg, argv[++i], 1));
        break;
      case '--idle-ws-clients':
        o.idleWsClients = Math.floor(number(arg, argv[++i], 1));
        break;
      case '--seconds':
        o.seconds = number(arg, argv[++i], 0.1);
        break;
      case '--step-seconds':
        o.stepSeconds = number(arg, argv[++i], 0.1);
        break;
      case '--rounds':
        o.rounds = Math.floor(number(arg, argv[++i], 1));
        break;
      case '--gateway-rate':
        o.gatewayRate = Math.floor(number(arg, argv[++i], 1));
        break;
      case '--workers':
        o.workers = Math.floor(number(arg, argv[++i], 1));
        break;
      case '--out': {
        const file = argv[++i];
        if (file === undefined) throw new UsageError('--out needs a file name');
        o.out = file;
        break;
      }
      default:
        throw new UsageError(`unknown option ${arg}\n\n${USAGE}`);
    }
  }
  if (o.workloads.length === 0) o.workloads = [...WORKLOADS];
  o.fanoutSenders = Math.min(o.fanoutSenders, o.clients - 1);
  o.saturateSenders = Math.min(o.saturateSenders, o.clients - 1);
  return o;
}

/** Descriptors one load-generator process may use, under the 20,000 per-process limit. */
export const CLIENTS_PER_WORKER = 4000;

export function workersFor(clients: number, wanted: number): number {
  return Math.max(wanted, Math.ceil(clients / CLIENTS_PER_WORKER));
}
