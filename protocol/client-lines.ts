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
  // Extension commands: only for a client that opted in (parseClientLine's `ext`).
  | { type: 'since'; after: number }
  | { type: 'last'; count: number }
  | { type: 'ext-usage'; command: ExtCommand };

const PRIVATE_RE = /^@(\S+)(?:\s+([^]*))?$/u;

export interface ParseOptions {
  /** The client opted in to extensions (`/ext` at the name prompt): their commands are known. */
  ext?: boolean;
}

export function parseClientLine(line: string, options: ParseOptions = {}): ClientLine {
  if (line.trim() === '') return { type: 'empty' };
  const first = line.charCodeAt(0);
  if (first === 0x2f /* / */) {
    if (line.charCodeAt(1) === 0x2f) return { type: 'public', text: line.slice(1) };
    const command = line.slice(1).split(/\s/u, 1)[0]!;
    const known = command.toLowerCase();
    if (known === 'users') return { type: 'users' };
    if (known === 'quit') return { type: 'quit' };
    if (known === 'history') return parseHistoryCommand(line.slice(1 + command.length));
    if (options.ext === true && isExtCommand(known)) return parseExtCommand(known, line.slice(1 + command.length));
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

/** A count argument: decimal digits only, from 1 to `max`; null otherwise. */
function parseCount(arg: string, max: number): number | null {
  if (!/^\d{1,9}$/u.test(arg)) return null;
  const n = Number(arg);
  return n >= 1 && n <= max ? n : null;
}

/** `args` is what follows `/history` on the line. */
function parseHistoryCommand(args: string): ClientLine {
  const arg = args.trim();
  if (arg === '') return { type: 'history', count: HISTORY_DEFAULT_COUNT };
  const count = parseCount(arg, HISTORY_MAX_COUNT);
  return count === null ? { type: 'history-usage' } : { type: 'history', count };
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
function isExtCommand(command: string): command is ExtCommand {
  return command === 'since' || command === 'last';
}

function parseExtCommand(command: ExtCommand, args: string): ClientLine {
  const arg = args.trim();
  if (command === 'since') {
    // Ids are whole numbers a double holds exactly (at most 16 digits).
    const after = /^\d{1,16}$/u.test(arg) ? Number(arg) : NaN;
    return Number.isSafeInteger(after) ? { type: 'since', after } : { type: 'ext-usage', command };
  }
  const count = parseCount(arg, HISTORY_MAX_COUNT);
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
