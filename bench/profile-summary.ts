/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --profile`, or any
 * `node --cpu-prof` run): self time by function, heaviest first, so the
 * place to tune is read from a measurement rather than guessed.
 *
 *   node --import tsx bench/profile-summary.ts bench/results/profiles/<file>.cpuprofile [top]
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { REPO } from './processes.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FunctionTime {
  name: string;
  where: string;
  selfMs: number;
  share: number;
}

export function summarise(profile: CpuProfile): { totalMs: number; functions: FunctionTime[] } {
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byId.set(node.id, node);
  const selfUs = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!)!;
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.startsWith('file://') ? relative(REPO, new URL(url).pathname) : url}:${lineNumber + 1}` : '';
    const name = functionName || '(anonymous)';
    const key = `${name} ${where}`;
    const entry = selfUs.get(key) ?? { name, where, us: 0 };
    entry.us += dt;
    selfUs.set(key, entry);
  }
  const functions = [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, share: total > 0 ? f.us / total : 0 }));
  return { totalMs: total / 1000, functions };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top = '30'] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const { totalMs, functions } = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const busy = functions.filter((f) => f.name !== '(idle)');
  const busyMs = busy.reduce((s, f) => s + f.selfMs, 0);
  process.stdout.write(`${file}: ${(totalMs / 1000).toFixed(1)} s sampled, ${(busyMs / 1000).toFixed(1)} s busy\n`);
  process.stdout.write(' self ms   busy%  function\n');
  for (const f of busy.slice(0, Number(top))) {
    process.stdout.write(
      `${f.selfMs.toFixed(0).padStart(8)}  ${((f.selfMs / busyMs) * 100).toFixed(1).padStart(5)}%  ${f.name}${f.where ? `  ${f.where}` : ''}\n`,
    );
  }
}
