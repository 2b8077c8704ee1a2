/**
 * Name identity, after UTS #39 (Unicode Security Mechanisms): which names are
 * refused although each character is allowed (an invisible character, scripts
 * mixed beyond "highly restrictive"), and when two different names are one
 * name because they look alike (confusable skeletons).
 *
 * The server's rules: the page keeps names.ts's nameKey. The tables are built
 * on first use and this module has no top-level side effects, so the page,
 * which imports protocol/index.ts but never calls these, bundles none of it
 * (test/protocol/page-bundle.test.ts checks). Every function is O(length of the name).
 */
import { CONFUSABLES } from './confusables.generated.ts';
import { SCRIPTS } from './scripts.generated.ts';
import { type NameProblem, isValidName } from './names.ts';

/** Characters that render as nothing, or as blank space, in most contexts (Unicode data, not a list). */
const DEFAULT_IGNORABLE_RE = /\p{Default_Ignorable_Code_Point}/u;
const DEFAULT_IGNORABLES_RE = /\p{Default_Ignorable_Code_Point}/gu;

/** Why the server refuses this (NFC) name, or null when it is acceptable. */
export function nameProblem(name: string): NameProblem | null {
  // Checked first: an invisible character is what a user cannot see to fix.
  if (DEFAULT_IGNORABLE_RE.test(name)) return 'invisible';
  if (!isValidName(name)) return 'chars';
  if (mixesScripts(name)) return 'mixed-scripts';
  return null;
}

// --- Mixed scripts (UTS #39 §5.1 resolved script sets, §5.2 "highly restrictive") -------------

const ANY_SCRIPT_RE = /^[\p{Script_Extensions=Common}\p{Script_Extensions=Inherited}]$/u;
/** Latin letters with Common characters only: the usual name, one script by construction. */
const ASCII_NAME_RE = /^[A-Za-z0-9_.-]*$/;
const ASCII_LETTER_RE = /^[A-Za-z]$/;
/**
 * §5.1's augmented script sets: Han is also written within Japanese (Jpan),
 * Korean (Kore) and Han with Bopomofo (Hanb), Hiragana and Katakana within
 * Jpan, Hangul within Kore, Bopomofo within Hanb; so 山田たろう resolves to Jpan.
 */
const AUGMENTED: Readonly<Record<string, readonly string[]>> = {
  Jpan: ['Han', 'Hiragana', 'Katakana'],
  Kore: ['Han', 'Hangul'],
  Hanb: ['Han', 'Bopomofo'],
};
/** With Latin, a name may also be in one of these (§5.2: Latin + Han + Hiragana + Katakana, …). */
const WITH_LATIN = ['Jpan', 'Kore', 'Hanb'];

let scriptTests: Map<string, RegExp> | undefined;
/** One test per script, built once; a Script value newer than this engine's Unicode is skipped. */
function getScriptTests(): Map<string, RegExp> {
  if (scriptTests === undefined) {
    scriptTests = new Map();
    for (const script of SCRIPTS) {
      try {
        scriptTests.set(script, new RegExp(`^\\p{Script_Extensions=${script}}$`, 'u'));
      } catch {
        // unknown to this engine: no character it knows has that script either
      }
    }
  }
  return scriptTests;
}

/** One character's answers so far: script → written in it or not. */
type Memo = Map<string, boolean>;

/** Whether a character (not Common or Inherited) is written in this script or augmented set. */
function writtenIn(char: string, script: string, memo: Memo): boolean {
  let answer = memo.get(script);
  if (answer === undefined) {
    const parts = AUGMENTED[script];
    if (parts !== undefined) answer = parts.some((part) => writtenIn(char, part, memo));
    else if (script.startsWith('?')) answer = script === `?${char}`; // see allScriptsOf
    else if (script === 'Latin' && ASCII_LETTER_RE.test(char)) answer = true;
    else answer = getScriptTests().get(script)?.test(char) ?? false;
    memo.set(script, answer);
  }
  return answer;
}

/** A character's whole augmented script set: every script is tested, so this runs once per name. */
function allScriptsOf(char: string, memo: Memo): Set<string> {
  const scripts = new Set<string>();
  if (ASCII_LETTER_RE.test(char)) scripts.add('Latin');
  else for (const script of getScriptTests().keys()) if (writtenIn(char, script, memo)) scripts.add(script);
  for (const set of Object.keys(AUGMENTED)) if (writtenIn(char, set, memo)) scripts.add(set);
  // A letter of a script this engine knows but the generated list does not: its own script.
  if (scripts.size === 0) scripts.add(`?${char}`);
  return scripts;
}

/** The resolved set so far, narrowed by one more character. */
function narrow(resolved: Set<string>, char: string, memo: Memo): Set<string> {
  for (const script of resolved) if (!writtenIn(char, script, memo)) resolved.delete(script);
  return resolved;
}

/**
 * Whether a name mixes scripts beyond "highly restrictive": it must be in one
 * script (digits, `_`, `-`, `.` and combining marks go with any), or be Latin
 * with Han + Hiragana/Katakana, Han + Bopomofo, or Han + Hangul. So `pаypal`
 * with a Cyrillic а is refused, and `山田たろう` or `山田taro` are not.
 * Cost: the first character of the name is tested against every script (the
 * first non-Latin one too, if it differs); the others only against the few
 * scripts still possible.
 */
export function mixesScripts(name: string): boolean {
  if (ASCII_NAME_RE.test(name)) return false;
  let resolved: Set<string> | null = null;
  let resolvedWithoutLatin: Set<string> | null = null;
  for (const char of name) {
    if (ANY_SCRIPT_RE.test(char)) continue;
    const memo: Memo = new Map();
    const all: boolean = resolved === null || (resolvedWithoutLatin === null && !writtenIn(char, 'Latin', memo));
    const scripts: Set<string> | null = all ? allScriptsOf(char, memo) : null;
    resolved = resolved === null ? new Set(scripts) : narrow(resolved, char, memo);
    if (writtenIn(char, 'Latin', memo)) continue;
    resolvedWithoutLatin = resolvedWithoutLatin === null ? new Set(scripts) : narrow(resolvedWithoutLatin, char, memo);
  }
  if (resolved === null || resolved.size > 0) return false;
  const rest = resolvedWithoutLatin;
  return rest === null || !WITH_LATIN.some((s) => rest.has(s));
}

// --- Confusable skeletons (UTS #39 §4) ------------------------------------------------------

let prototypes: Map<number, string> | undefined;
/** Decoded on first use from the generated table (about 6,600 entries). */
function getPrototypes(): Map<number, string> {
  if (prototypes === undefined) {
    prototypes = new Map();
    for (const line of CONFUSABLES.split('\n')) {
      if (line === '') continue;
      const [source, ...target] = line.split(' ').map((h) => parseInt(h, 16));
      prototypes.set(source!, String.fromCodePoint(...target));
    }
  }
  return prototypes;
}

/**
 * The UTS #39 skeleton: NFD, default-ignorables removed, every character
 * replaced by its prototype, NFD again. Two strings with the same skeleton
 * are confusable: `ɑna` and `ana`, `сору` (Cyrillic) and `copy`, `rn` and `m`.
 */
export function skeleton(text: string): string {
  const table = getPrototypes();
  let out = '';
  for (const char of text.normalize('NFD').replace(DEFAULT_IGNORABLES_RE, '')) {
    out += table.get(char.codePointAt(0)!) ?? char;
  }
  return out.normalize('NFD');
}

/**
 * The skeleton, lower-cased, skeletonised again: some prototypes are capitals
 * (`0` → `O`, Greek `Α` → `A`) and names ignore case.
 */
function lookalikeKey(text: string): string {
  return skeleton(skeleton(text).toLowerCase());
}

/**
 * The keys a name is known by; two names are one name when they share a key.
 * The first is the skeleton of the NFKC lower-case form, so case and width
 * variants share it (`ANA`, `ａｎａ`, `ɑna` and `ana`). The second, when it
 * differs, is the skeleton of the name as typed: lower-casing first would
 * hide that `paypaI` (capital i) looks like `paypal`, or Cyrillic `ВОВ` like
 * `BOB`.
 */
export function nameIdentityKeys(name: string): string[] {
  const nfkc = name.normalize('NFKC');
  const lower = nfkc.toLowerCase();
  const caseless = lookalikeKey(lower);
  const asTyped = lower === nfkc ? caseless : lookalikeKey(nfkc);
  return caseless === asTyped ? [caseless] : [caseless, asTyped];
}

/** Whether two names are one name (they share an identity key). */
export function sameName(a: string, b: string): boolean {
  const keys = nameIdentityKeys(b);
  return nameIdentityKeys(a).some((k) => keys.includes(k));
}

/**
 * Who holds which name, where look-alikes are one name. The holders' key sets
 * never overlap (add only what find did not find), so each key has one holder.
 */
export class NameRegistry<T> {
  private readonly holders = new Map<string, T>();

  /** The holder of this name or of one that looks like it; its case-folded form is tried first. */
  find(name: string): T | undefined {
    for (const key of nameIdentityKeys(name)) {
      const holder = this.holders.get(key);
      if (holder !== undefined) return holder;
    }
    return undefined;
  }

  /** Records a name that `find` did not find. */
  add(name: string, holder: T): void {
    for (const key of nameIdentityKeys(name)) this.holders.set(key, holder);
  }

  /** Forgets a name, if `holder` is who holds it. */
  delete(name: string, holder: T): void {
    for (const key of nameIdentityKeys(name)) {
      if (this.holders.get(key) === holder) this.holders.delete(key);
    }
  }
}
