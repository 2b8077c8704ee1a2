/**
 * Name rules: which names are valid, when two names are the same user, and
 * how online lists are ordered. The server enforces them; the page uses the
 * same functions to check a name as it is typed and to find @-mentions.
 */

/** Longest name, in Unicode code points after NFC normalisation. */
export const NAME_MAX_CHARS = 32;

/** One character a name may hold: a letter, a digit, `_`, `-` or `.`. */
export const NAME_CHAR_CLASS = '[\\p{L}\\p{N}_.\\-]';
/** A whole name inside a larger regular expression (flag `u`). */
export const NAME_SOURCE = `${NAME_CHAR_CLASS}{1,${NAME_MAX_CHARS}}`;
const NAME_RE = new RegExp(`^${NAME_SOURCE}$`, 'u');
const NAME_CHAR_RE = new RegExp(`^${NAME_CHAR_CLASS}$`, 'u');

/** Whether one character (code point) may appear in a name. */
export function isNameChar(char: string): boolean {
  return NAME_CHAR_RE.test(char);
}

/** The name as the server stores it: surrounding spaces dropped, NFC. */
export function normalizeName(raw: string): string {
  return raw.trim().normalize('NFC');
}

export function isValidName(name: string): boolean {
  return NAME_RE.test(name);
}

/**
 * Why the server refuses a name: its characters or length (`isValidName`), an
 * invisible character, or scripts mixed (name-identity.ts decides the last two).
 */
export type NameProblem = 'chars' | 'invisible' | 'mixed-scripts';

/**
 * Case and width folded: the page's notion of one name (mentions, my own name
 * in a list). The server goes further: look-alikes are one name too
 * (name-identity.ts), which the page need not repeat as it only ever sees the
 * names the server let in.
 */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase();
}

/** Online lists are sorted ignoring case; ties keep a stable, exact order. */
export function compareNames(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortNames(names: Iterable<string>): string[] {
  return [...names].sort(compareNames);
}

