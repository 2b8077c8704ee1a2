/**
 * Name completion in the composer: the `@` autocomplete (a listbox of online
 * users filtered by what follows the `@`) and IRC-style Tab completion.
 * Pure functions over the composer's value and caret.
 */
import { isNameChar, nameKey, sortNames } from '../../protocol/index.ts';

/** Most suggestions shown at once. */
export const MAX_SUGGESTIONS = 8;

/** Matching ignores case, width and accents: typing `eri` finds Érica. */
export function fold(name: string): string {
  return nameKey(name).normalize('NFD').replace(/\p{M}/gu, '');
}

export interface MentionQuery {
  /** Index of the `@`. */
  start: number;
  /** End of the name being typed (the caret or the end of the word under it). */
  end: number;
  /** What follows the `@` up to the caret. */
  query: string;
}

/** The `@name` being typed at the caret, if any. */
export function mentionQuery(value: string, caret: number): MentionQuery | null {
  let i = caret;
  while (i > 0 && isNameChar(value[i - 1]!)) i--;
  if (i === 0 || value[i - 1] !== '@') return null;
  const at = i - 1;
  if (at > 0 && !/\s/u.test(value[at - 1]!)) return null; // e-mail addresses are not mentions
  let end = caret;
  while (end < value.length && isNameChar(value[end]!)) end++;
  return { start: at, end, query: value.slice(i, caret) };
}

/**
 * Online names matching `query`, case-insensitively: names that start with it
 * first, then names that contain it; me excluded.
 */
export function filterNames(users: readonly string[], query: string, me: string, max = MAX_SUGGESTIONS): string[] {
  const q = fold(query);
  const meKey = nameKey(me);
  const starts: string[] = [];
  const contains: string[] = [];
  for (const u of sortNames(users)) {
    if (nameKey(u) === meKey) continue;
    const k = fold(u);
    if (k.startsWith(q)) starts.push(u);
    else if (k.includes(q)) contains.push(u);
  }
  return [...starts, ...contains].slice(0, max);
}

export interface Edit {
  value: string;
  caret: number;
}

/** Replaces the `@query` with `@name ` and puts the caret after it. */
export function applyMention(value: string, q: MentionQuery, name: string): Edit {
  const rest = value.slice(q.end);
  const insert = `@${name}` + (rest.startsWith(' ') ? '' : ' ');
  return { value: value.slice(0, q.start) + insert + rest, caret: q.start + insert.length + (rest.startsWith(' ') ? 1 : 0) };
}

/** What repeated Tab presses cycle through. */
export interface TabState {
  start: number;
  candidates: string[];
  index: number;
  /** The value this state produced; any other edit starts a new completion. */
  value: string;
  caret: number;
  at: boolean;
  lineStart: boolean;
}

/**
 * IRC-style Tab completion of the word before the caret: the first matching
 * name, then the next one on every further Tab. A name at the start of the
 * line gets `: ` after it (addressing someone publicly), elsewhere a space;
 * a word typed as `@pre` stays a private `@name `.
 */
export function tabComplete(
  value: string,
  caret: number,
  users: readonly string[],
  me: string,
  prev: TabState | null,
): { edit: Edit; state: TabState } | null {
  if (prev && prev.value === value && prev.caret === caret && prev.candidates.length > 0) {
    const index = (prev.index + 1) % prev.candidates.length;
    return complete(value, caret, prev, index);
  }
  let start = caret;
  while (start > 0 && isNameChar(value[start - 1]!)) start--;
  const at = start > 0 && value[start - 1] === '@';
  const wordStart = at ? start - 1 : start;
  if (wordStart > 0 && !/\s/u.test(value[wordStart - 1]!)) return null;
  const prefix = fold(value.slice(start, caret));
  if (prefix === '' && !at) return null;
  const meKey = nameKey(me);
  const candidates = sortNames(users).filter((u) => fold(u).startsWith(prefix) && nameKey(u) !== meKey);
  if (candidates.length === 0) return null;
  const state: TabState = { start: wordStart, candidates, index: 0, value: '', caret: 0, at, lineStart: wordStart === 0 };
  // The typed word is replaced as if it were the previous completion.
  return complete(value.slice(0, wordStart) + value.slice(caret), wordStart, state, 0);
}

/** Replaces what lies between `s.start` and `caret` (the word or the last completion) with the next name. */
function complete(value: string, caret: number, s: TabState, index: number): { edit: Edit; state: TabState } {
  const before = value.slice(0, s.start);
  const after = value.slice(caret);
  const name = s.candidates[index]!;
  const insert = s.at ? `@${name} ` : s.lineStart ? `${name}: ` : `${name} `;
  const newValue = before + insert + after;
  const newCaret = before.length + insert.length;
  return {
    edit: { value: newValue, caret: newCaret },
    state: { ...s, index, value: newValue, caret: newCaret },
  };
}

/** `@name text` goes privately: the recipient as typed, or null for a public line. */
export function privateRecipient(value: string): string | null {
  const m = /^@(\S+)\s/u.exec(value);
  return m ? m[1]! : null;
}
