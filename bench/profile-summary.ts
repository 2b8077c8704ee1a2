/**
 * Summarises the V8 .cpuprofile files that `npm run bench -- --profile`
 * writes: self time by function, heaviest first, so the place to tune is
 * read from a measurement rather than guessed.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
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

/** The busiest functions of one profile, as lines of text. */
export function summaryText(file: string, profile: CpuProfile, top: number): string {
  const { totalMs, functions } = summarise(profile);
  const busy = functions.filter((f) => f.name !== '(idle)');
  const busyMs = busy.reduce((s, f) => s + f.selfMs, 0);
  const lines = [
    `${relative(REPO, file)}: ${(totalMs / 1000).toFixed(1)} s sampled, ${(busyMs / 1000).toFixed(1)} s busy`,
    ' self ms   busy%  function',
    ...busy
      .slice(0, top)
      .map((f) => `${f.selfMs.toFixed(0).padStart(8)}  ${((f.selfMs / busyMs) * 100).toFixed(1).padStart(5)}%  ${f.name}${f.where ? `  ${f.where}` : ''}`),
  ];
  return lines.join('\n');
}

/**
 * Summaries of the profiles written under `dir` since `sinceMs`: per process
 * (one folder each), the biggest file, which is its main thread (tsx's loader
 * thread writes a small one beside it).
 */
export function profileSummaries(dir: string, sinceMs: number, top = 12): string {
  if (!existsSync(dir)) return 'no profiles were written';
  const parts: string[] = [];
  for (const folder of readdirSync(dir).sort()) {
    const path = join(dir, folder);
    if (!statSync(path).isDirectory() || statSync(path).mtimeMs < sinceMs) continue;
    const files = readdirSync(path)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(path, f))
      .sort((a, b) => statSync(b).size - statSync(a).size);
    if (files[0] !== undefined) parts.push(summaryText(files[0], JSON.parse(readFileSync(files[0], 'utf8')) as CpuProfile, top));
  }
  return parts.length > 0 ? parts.join('\n\n') : 'no profiles were written';
}
