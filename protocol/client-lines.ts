/**
 * What a user sends: the meaning of one line from a joined client.
 */

/** Commands a user can type; the unknown-command error lists them. */
export const COMMANDS = ['/users', '/history', '/quit'] as const;

export type ClientLine =
  | { type: 'empty' }
  | { type: 'public'; text: string }
  | { type: 'private'; to: string; text: string }
  | { type: 'private-empty'; to: string }
  | { type: 'users' }
  | { type: 'quit' }
  | { type: 'unknown-command'; command: string }
  // History (docs/PROTOCOL.md, History).
  | { type: 'history'; count: number }
  | { type: 'history-usage' }
  // Extension commands: only for a client that opted in (parseExtCommand).
  | { type: 'since'; after: number }
  | { type: 'last'; count: number }
  | { type: 'ext-usage'; command: ExtCommand };

const PRIVATE_RE = /^@(\S+)(?:\s+([^]*))?$/u;

export function parseClientLine(line: string): ClientLine {
  if (line.trim() === '') return { type: 'empty' };
  const first = line.charCodeAt(0);
  if (first === 0x2f /* / */) {
    if (line.charCodeAt(1) === 0x2f) return { type: 'public', text: line.slice(1) };
    const command = line.slice(1).split(/\s/u, 1)[0]!;
    const known = command.toLowerCase();
    if (known === 'users') return { type: 'users' };
    if (known === 'quit') return { type: 'quit' };
    if (known === 'history') {
      const count = parseCount(line.slice(8), HISTORY_DEFAULT_COUNT);
      return count === null ? { type: 'history-usage' } : { type: 'history', count };
    }
    return { type: 'unknown-command', command };
  }
  if (first === 0x40 /* @ */) {
    const m = PRIVATE_RE.exec(line);
    if (m) {
      const to = m[1]!;
      const text = m[2] ?? '';
      if (text.trim() === '') return { type: 'private-empty', to };
      return { type: 'private', to, text };
    }
  }
  return { type: 'public', text: line };
}

// --- History ----------------------------------------------------------------

/** `/history` alone: this many of the latest public messages. */
export const HISTORY_DEFAULT_COUNT = 20;
/** `/history <n>` accepts n from 1 to this. */
export const HISTORY_MAX_COUNT = 200;

/**
 * The count after `/history` or `/last`: decimal digits for a number from 1
 * to HISTORY_MAX_COUNT, or `fallback` when there is none; null otherwise.
 */
function parseCount(args: string, fallback?: number): number | null {
  const arg = args.trim();
  const n = arg === '' ? fallback : /^\d+$/u.test(arg) ? Number(arg) : 0;
  return n !== undefined && n >= 1 && n <= HISTORY_MAX_COUNT ? n : null;
}

// --- Extensions (opt-in, docs/PROTOCOL.md, Extensions) ------------------------
//
// A client asks for extensions at the name prompt with `/ext <feature>…`; the
// server answers `+ext <features it turned on>`. Terminal users who never ask
// see none of this. Later features (session resume, labels) are negotiated the
// same way and add their own commands here.

/** Features this version knows. `ids`: history ids on public lines, acks, `/since`, `/last`. */
export const EXT_FEATURES = ['ids'] as const;
export type ExtFeature = (typeof EXT_FEATURES)[number];

export type ExtCommand = 'since' | 'last';

const EXT_COMMAND_RE = /^\/(since|last)(?:\s([^]*))?$/iu;

/**
 * An extension command (`/since`, `/last`) from a client that opted in, or
 * null for any other line (then parseClientLine says what it is). Apart from
 * parseClientLine so the page, which only sends these, does not carry it.
 */
export function parseExtCommand(line: string): ClientLine | null {
  const m = EXT_COMMAND_RE.exec(line);
  if (m === null) return null;
  const command = m[1]!.toLowerCase() as ExtCommand;
  const arg = (m[2] ?? '').trim();
  if (command === 'since') {
    // Ids are whole numbers a double holds exactly (at most 16 digits).
    const after = /^\d{1,16}$/u.test(arg) ? Number(arg) : NaN;
    return Number.isSafeInteger(after) ? { type: 'since', after } : { type: 'ext-usage', command };
  }
  const count = parseCount(arg);
  return count === null ? { type: 'ext-usage', command } : { type: 'last', count };
}

/** A line at the name prompt: quitting, asking for extensions, or a name attempt. */
export type PromptLine = { type: 'quit' } | { type: 'ext'; features: string[] } | { type: 'name'; text: string };

const FEATURE_RE = /^[a-z][a-z0-9-]{0,31}$/u;

export function parsePromptLine(line: string): PromptLine {
  const trimmed = line.trim();
  const lower = trimmed.toLowerCase();
  if (lower === '/quit') return { type: 'quit' };
  // Names cannot hold `/`, so no name attempt is ever taken for this.
  if (lower === '/ext' || /^\/ext\s/u.test(lower)) {
    const features = lower.slice(4).split(/\s+/u).filter((f) => FEATURE_RE.test(f));
    return { type: 'ext', features: [...new Set(features)] };
  }
  return { type: 'name', text: line };
}

/** The lines a client sends to use the extensions (what the page sends). */
export const extLine = (features: readonly string[]): string => `/ext ${features.join(' ')}`;
export const sinceLine = (after: number): string => `/since ${after}`;
export const lastLine = (count: number): string => `/last ${count}`;
