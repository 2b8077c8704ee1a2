/**
 * Summarises the V8 .cpuprofile files that `npm run bench -- --profile`
 * writes: self time by function, heaviest first, and the busy time spent
 * under each of the repository's files (a file's functions and whatever they
 * call, native code included), so the place to tune, and what a part costs
 * as a whole (e.g. the history store), are read from a measurement rather
 * than guessed.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO } from './processes.ts';

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FileTime {
  /** Repository-relative path. */
  file: string;
  /** Busy time with a frame of this file on the stack. */
  inclusiveMs: number;
  /** Of the profile's busy time. */
  share: number;
}

const NOT_BUSY = new Set(['(idle)', '(root)']);

/**
 * Busy time under each repository file: every sample counts once for each
 * file with a frame on its stack, so a file's figure includes what its
 * functions call (better-sqlite3's native statements under the store).
 */
export function byFile(profile: CpuProfile): FileTime[] {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const fileOf = (node: ProfileNode): string | null => {
    const url = node.callFrame.url;
    if (!url.startsWith('file://')) return null;
    const path = relative(REPO, new URL(url).pathname);
    return path.startsWith('..') || path.startsWith('node_modules') ? null : path;
  };
  /** The files on each node's stack, computed once per node. */
  const stacks = new Map<number, readonly string[]>();
  const filesOn = (id: number): readonly string[] => {
    const known = stacks.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    const up = parent.get(id);
    const above = up === undefined ? [] : filesOn(up);
    const file = fileOf(node);
    const files = file === null || above.includes(file) ? above : [...above, file];
    stacks.set(id, files);
    return files;
  };
  const us = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    if (NOT_BUSY.has(byId.get(id)!.callFrame.functionName)) continue;
    const dt = profile.timeDeltas[i] ?? 0;
    busy += dt;
    for (const file of filesOn(id)) us.set(file, (us.get(file) ?? 0) + dt);
  }
  return [...us.entries()]
    .map(([file, t]) => ({ file, inclusiveMs: t / 1000, share: busy > 0 ? t / busy : 0 }))
    .sort((a, b) => b.inclusiveMs - a.inclusiveMs);
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

/** The busiest functions of one profile, then its busiest repository files, as lines of text. */
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
    ' incl ms   busy%  repository file (its functions and what they call)',
    ...byFile(profile)
      .slice(0, top)
      .map((f) => `${f.inclusiveMs.toFixed(0).padStart(8)}  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.file}`),
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
