/**
 * `npm run bench` flags: a wrong flag or value stops the run with a message
 * that names it, before anything is started.
 */
import { describe, expect, it } from 'vitest';
import { type BenchOptions, FULL, QUICK, USAGE, UsageError, WORKLOADS, parseArgs } from '../../bench/options.ts';

const parse = (...argv: string[]) => parseArgs(argv) as BenchOptions;

describe('parseArgs', () => {
  it('runs every workload, the history and the joins storm included, when none is named', () => {
    expect(parse().workloads).toEqual([...WORKLOADS]);
    expect(WORKLOADS).toContain('history');
    expect(WORKLOADS).toContain('joins');
  });

  it("times the history with the issue's sizes, fewer requests with --quick, and reads the history flags", () => {
    expect(parse('--history')).toMatchObject({ workloads: ['history'], historyLines: 10_000, historyRequests: 1000, missedLines: 1000, catchUps: 100, historyRate: null });
    expect(parse('--quick', '--history')).toMatchObject({ historyLines: 10_000, historyRequests: QUICK.historyRequests, catchUps: QUICK.catchUps });
    expect(
      parse('--history-lines', '1200', '--history-requests', '20', '--missed-lines', '1000', '--catch-ups', '3', '--history-rate', '40'),
    ).toMatchObject({ historyLines: 1200, historyRequests: 20, missedLines: 1000, catchUps: 3, historyRate: 40 });
  });

  it('misses at most the lines stored: fewer stored lowers the default, an explicit larger --missed-lines is refused', () => {
    expect(parse('--history-lines', '300').missedLines).toBe(300);
    expect(() => parse('--history-lines', '300', '--missed-lines', '301')).toThrow(
      new UsageError('--missed-lines (301) cannot be more than --history-lines (300)'),
    );
  });

  it('runs only the workloads named, with the full sizes or the --quick ones', () => {
    expect(parse('--joins')).toMatchObject({ workloads: ['joins'], joinSizes: [1000, 2000, 4000], joinTimeoutSeconds: FULL.joinTimeoutSeconds });
    expect(parse('--quick', '--joins', '--idle')).toMatchObject({ workloads: ['joins', 'idle'], joinSizes: QUICK.joinSizes });
  });

  it('reads the join sizes, the timeout and the paths', () => {
    expect(parse('--join-sizes', '10,20,40', '--join-timeout', '2.5', '--charts-dir', 'docs/bench', '--out', 'r.json')).toMatchObject({
      joinSizes: [10, 20, 40],
      joinTimeoutSeconds: 2.5,
      chartsDir: 'docs/bench',
      out: 'r.json',
    });
    expect(parse('--redraw', 'old.json').redraw).toBe('old.json');
  });

  it('refuses a bad value with the flag in the message', () => {
    const refused = (...argv: string[]) => {
      try {
        parseArgs(argv);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error(`accepted ${argv.join(' ')}`);
    };
    expect(refused('--join-sizes', '40,20')).toBe('--join-sizes needs sizes in increasing order');
    expect(refused('--join-sizes', '1,20')).toBe('--join-sizes needs a number ≥ 2');
    expect(refused('--join-sizes', '10,,20')).toBe('--join-sizes needs a number ≥ 2');
    expect(refused('--clients', 'many')).toBe('--clients needs a number ≥ 3');
    expect(refused('--join-timeout')).toBe('--join-timeout needs a number ≥ 1');
    expect(refused('--out')).toBe('--out needs a file or folder name');
    expect(refused('--redraw', '--quick')).toBe('--redraw needs a file or folder name');
    expect(refused('--joinz')).toMatch(/^unknown option --joinz\n/);
    expect(refused('--history-lines', '0')).toBe('--history-lines needs a number ≥ 1');
    expect(refused('--ws-client', 'socketio')).toBe('--ws-client needs lean or ws');
  });

  it("offers the gateway issue 14's 1.6M deliveries/s through the lean WebSocket client unless told otherwise", () => {
    const full = parseArgs(['--gateway']) as BenchOptions;
    expect(full).toMatchObject({ workloads: ['gateway'], gatewayDeliveries: 1_600_000, wsClient: 'lean', gatewayRate: null });
    // --quick: the same 1,600 lines/s, to 200 clients.
    expect(parseArgs(['--quick', '--gateway'])).toMatchObject({ clients: 200, gatewayDeliveries: 320_000 });
    expect(parseArgs(['--gateway', '--ws-client', 'ws', '--gateway-deliveries', '800000'])).toMatchObject({ wsClient: 'ws', gatewayDeliveries: 800_000 });
  });

  it('takes a workload by its bare name as by its flag, for every workload, each once', () => {
    for (const workload of WORKLOADS) {
      expect(parse(workload).workloads).toEqual([workload]);
      expect(parse(`--${workload}`).workloads).toEqual([workload]);
    }
    expect(parse('--quick', 'cluster', '--fanout', 'cluster').workloads).toEqual(['cluster', 'fanout']);
    // A flag's value is never taken for a workload.
    expect(parse('--out', 'fanout', 'joins')).toMatchObject({ workloads: ['joins'], out: 'fanout' });
    expect(() => parse('clustre')).toThrow(/^unknown option clustre\n/);
  });

  it("runs the cluster at 1,000 clients and the gateway's 1.6M deliveries/s, counting Redis commands again at 200 clients", () => {
    expect(parse('cluster')).toMatchObject({ workloads: ['cluster'], clients: 1000, clusterDeliveries: 1_600_000, clusterSmallClients: 200 });
    // --quick: the same lines per second, to 200 clients; the second count at 40.
    expect(parse('--quick', 'cluster')).toMatchObject({ clients: 200, clusterDeliveries: 320_000, clusterSmallClients: 40 });
    // A fifth of the clients, an even count (two nodes), unless given.
    expect(parse('cluster', '--clients', '510').clusterSmallClients).toBe(102);
    expect(parse('cluster', '--clients', '8').clusterSmallClients).toBe(4);
    expect(parse('cluster', '--cluster-deliveries', '800000', '--cluster-small-clients', '100')).toMatchObject({
      clusterDeliveries: 800_000,
      clusterSmallClients: 100,
    });
    expect(() => parse('cluster', '--cluster-small-clients', '3')).toThrow(new UsageError('--cluster-small-clients needs a number ≥ 4'));
    expect(USAGE).toMatch(/^ {2}--cluster +the server on Redis: one node with 1,000 clients, two nodes with 500 each/m);
  });

  it('answers --help with the usage, which lists the joins workload', () => {
    expect(parseArgs(['--quick', '--help'])).toBe('help');
    expect(USAGE).toMatch(/^ {2}--joins +storms of 1,000, 2,000, 4,000 clients joining at once/m);
  });
});
