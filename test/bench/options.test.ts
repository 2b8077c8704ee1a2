/**
 * `npm run bench` flags: a wrong flag or value stops the run with a message
 * that names it, before anything is started.
 */
import { describe, expect, it } from 'vitest';
import { type BenchOptions, FULL, QUICK, USAGE, UsageError, WORKLOADS, parseArgs } from '../../bench/options.ts';

const parse = (...argv: string[]) => parseArgs(argv) as BenchOptions;

describe('parseArgs', () => {
  it('runs every workload, the joins storm included, when none is named', () => {
    expect(parse().workloads).toEqual([...WORKLOADS]);
    expect(WORKLOADS).toContain('joins');
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
  });

  it('answers --help with the usage, which lists the joins workload', () => {
    expect(parseArgs(['--quick', '--help'])).toBe('help');
    expect(USAGE).toMatch(/^ {2}--joins +storms of 1,000, 2,000, 4,000 clients joining at once/m);
  });
});
