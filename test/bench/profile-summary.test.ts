/**
 * What `npm run bench -- --profile` reads out of a V8 CPU profile: the busy
 * time under each repository file counts what its functions call, once per
 * sample however deep the file recurs, and never the idle time.
 */
import { describe, expect, it } from 'vitest';
import { type CpuProfile, type ProfileNode, byFile } from '../../bench/profile-summary.ts';
import { REPO } from '../../bench/processes.ts';

const frame = (id: number, functionName: string, file: string | null, children: number[] = []): ProfileNode => ({
  id,
  callFrame: { functionName, url: file === null ? '' : `file://${REPO}${file}`, lineNumber: 0 },
  children,
});

describe('byFile', () => {
  it('charges each sample to every repository file on its stack once, native calls to their JS caller, idle to none', () => {
    const profile: CpuProfile = {
      nodes: [
        frame(1, '(root)', null, [2, 6, 7]),
        frame(2, 'onFrame', 'tcp-server/chat-server.ts', [3, 5]),
        frame(3, 'commit', 'tcp-server/history/sqlite-history-store.ts', [4]),
        // better-sqlite3's statement: native, no file.
        frame(4, 'run', null),
        // chat-server.ts again, deeper: still counted once.
        frame(5, 'broadcast', 'tcp-server/chat-server.ts'),
        frame(6, '(idle)', null),
        frame(7, '(garbage collector)', null),
      ],
      samples: [4, 4, 5, 2, 6, 6, 6, 7],
      timeDeltas: [1000, 1000, 1000, 1000, 5000, 5000, 5000, 1000],
      startTime: 0,
      endTime: 20_000,
    };
    expect(byFile(profile)).toEqual([
      { file: 'tcp-server/chat-server.ts', inclusiveMs: 4, share: 0.8 },
      { file: 'tcp-server/history/sqlite-history-store.ts', inclusiveMs: 2, share: 0.4 },
    ]);
  });
});
