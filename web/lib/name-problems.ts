/**
 * What is wrong with a name, for the name prompt to say in words while it is
 * typed. The rule itself is the protocol's (isValidName, isNameChar); this
 * only sorts the first offending character into a kind a person recognises.
 */
import { NAME_MAX_CHARS, isNameChar, isValidName } from '../../protocol/index.ts';

export type NameProblem =
  | { kind: 'too-long' | 'space' | 'emoji' | 'invisible' | 'other' }
  /** A character shown as itself (a symbol or punctuation). */
  | { kind: 'char'; char: string };

const SPACE_RE = /\s/u;
// Only the first bad character is named, and an emoji sequence starts with one of these.
const EMOJI_RE = /[\p{Extended_Pictographic}\p{Regional_Indicator}]/u;
// DI is the standard alias of Default_Ignorable_Code_Point. The long name stays out of the page so that
// test/protocol/page-bundle.test.ts can look for it as a sign of the server's name-identity code.
const INVISIBLE_RE = /[\p{C}\p{DI}]/u;

/**
 * The first problem with a (normalised) name, or null when it is valid or
 * empty. One at a time: fixing it shows the next.
 */
export function nameProblem(name: string): NameProblem | null {
  if (name === '' || isValidName(name)) return null;
  const chars = [...name];
  if (chars.length > NAME_MAX_CHARS) return { kind: 'too-long' };
  // An invisible character may pass as a letter (U+3164 is one): still worth naming.
  const char = chars.find((c) => !isNameChar(c) || INVISIBLE_RE.test(c));
  if (char === undefined) return { kind: 'other' };
  if (SPACE_RE.test(char)) return { kind: 'space' };
  if (EMOJI_RE.test(char)) return { kind: 'emoji' };
  if (INVISIBLE_RE.test(char)) return { kind: 'invisible' };
  return { kind: 'char', char };
}
