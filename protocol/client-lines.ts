/**
 * What a user sends: the meaning of one line from a joined client.
 */
import { SESSION_TOKEN_RE } from './session-token.ts';

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

/**
 * Features this version knows. `ids`: history ids on public lines, acks,
 * `/since`, `/last`. `resume`: session tokens and `/resume` (docs/PROTOCOL.md,
 * Session resume). `labels`: `/label` and its `+ack` (docs/PROTOCOL.md, Labels).
 */
export const ALL_EXT_FEATURES = ['ids', 'resume', 'labels'] as const;
export type ExtFeature = (typeof ALL_EXT_FEATURES)[number];
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

/** A line at the name prompt: quitting, asking for extensions, resuming a session, or a name attempt. */
export type PromptLine =
  | { type: 'quit' }
  | { type: 'ext'; features: string[] }
  /** `/resume <token> <count>`; only for a client with `resume` on (otherwise a name attempt). */
  | { type: 'resume'; token: string; count: number }
  /** `/resume` with a bad token or count. */
  | { type: 'resume-usage' }
  | { type: 'name'; text: string };

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
  if (lower === '/resume' || /^\/resume\s/u.test(lower)) return parseResume(trimmed.slice(7));
  return { type: 'name', text: line };
}

// --- Session resume (docs/PROTOCOL.md, Session resume) -----------------------


function parseResume(args: string): PromptLine {
  const parts = args.trim().split(/\s+/u);
  const [token, count] = parts;
  // A count is a line count: a whole number a double holds exactly.
  if (parts.length !== 2 || !SESSION_TOKEN_RE.test(token!) || !/^\d{1,16}$/u.test(count!)) return { type: 'resume-usage' };
  const n = Number(count);
  return Number.isSafeInteger(n) ? { type: 'resume', token: token!, count: n } : { type: 'resume-usage' };
}

// --- Labels (docs/PROTOCOL.md, Labels) ----------------------------------------

/** A label the client puts on a chat line: 1 to 64 of these characters. */
export const LABEL_RE = /^[A-Za-z0-9_-]{1,64}$/u;

/** The chat lines a label may carry. */
export type LabelledLine = Extract<ClientLine, { type: 'public' | 'private' | 'private-empty' }>;

export type LabelLine =
  | { type: 'label'; label: string; line: LabelledLine }
  /** A bad label, no text, or a command after the label. */
  | { type: 'label-usage' };

const LABEL_LINE_RE = /^\/label(?:\s|$)/iu;
const LABEL_ARGS_RE = /^\/label ([A-Za-z0-9_-]{1,64}) ([^]*)$/iu;

/**
 * `/label <label> <text>` from a client with `labels` on, or null for any
 * other line. `<text>` is what the client would otherwise send as a chat
 * line (public text, `//text`, `@name text`), from after the one space that
 * follows the label, so its bytes are kept as they are.
 */
export function parseLabelLine(line: string): LabelLine | null {
  if (!LABEL_LINE_RE.test(line)) return null;
  const m = LABEL_ARGS_RE.exec(line);
  if (m === null) return { type: 'label-usage' };
  const inner = parseClientLine(m[2]!);
  if (inner.type !== 'public' && inner.type !== 'private' && inner.type !== 'private-empty') return { type: 'label-usage' };
  return { type: 'label', label: m[1]!, line: inner };
}

/** The lines a client sends to resume a session and to label a chat line (what the page sends). */
export const resumeLine = (token: string, count: number): string => `/resume ${token} ${count}`;
export const labelLine = (label: string, text: string): string => `/label ${label} ${text}`;

/** The lines a client sends to use the extensions (what the page sends). */
export const extLine = (features: readonly string[]): string => `/ext ${features.join(' ')}`;
export const sinceLine = (after: number): string => `/since ${after}`;
export const lastLine = (count: number): string => `/last ${count}`;
