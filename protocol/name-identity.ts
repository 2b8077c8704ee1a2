/**
 * Name identity, after UTS #39 (Unicode Security Mechanisms): which names are
 * refused although each character is allowed (an invisible character, scripts
 * mixed beyond "highly restrictive"), and when two different names are one
 * name because they look alike (confusable skeletons).
 *
 * The server's rules: the page keeps names.ts's nameKey. The tables are built
 * on first use and this module has no top-level side effects, so the page,
 * which imports protocol/index.ts but never calls these, bundles none of it
 * (test/protocol/bundle.test.ts checks). Every function is O(length of the name).
 */
import { CONFUSABLES } from './confusables.generated.ts';
import { SCRIPTS } from './scripts.generated.ts';
import { type NameProblem, isValidName } from './names.ts';

/** Characters that render as nothing, or as blank space, in most contexts (Unicode data, not a list). */
const DEFAULT_IGNORABLE_RE = /\p{Default_Ignorable_Code_Point}/u;

/** Why the server refuses this (NFC) name, or null when it is acceptable. */
export function nameProblem(name: string): NameProblem | null {
  // Checked first: an invisible character is what a user cannot see to fix.
  if (DEFAULT_IGNORABLE_RE.test(name)) return 'invisible';
  if (!isValidName(name)) return 'chars';
  if (mixesScripts(name)) return 'mixed-scripts';
  return null;
}

// --- Mixed scripts (UTS #39 §5.1 resolved script sets, §5.2 "highly restrictive") -------------

/** A character's scripts (Script_Extensions, augmented); null for Common or Inherited: any script. */
type ScriptSet = ReadonlySet<string> | null;

const ANY_SCRIPT_RE = /^[\p{Script_Extensions=Common}\p{Script_Extensions=Inherited}]$/u;
const ASCII_LETTER_RE = /^[A-Za-z]$/;
const LATIN: ScriptSet = new Set(['Latin']);
/**
 * §5.1's augmentation: Han is also written within Japanese (Jpan), Korean
 * (Kore) and Han with Bopomofo (Hanb), and so on, so that 山田たろう resolves
 * to Jpan.
 */
const AUGMENTED: Readonly<Record<string, readonly string[]>> = {
  Han: ['Hanb', 'Jpan', 'Kore'],
  Hiragana: ['Jpan'],
  Katakana: ['Jpan'],
  Hangul: ['Kore'],
  Bopomofo: ['Hanb'],
};
/** With Latin, a name may also use one of these (§5.2: Latin + Han + Hiragana + Katakana, …). */
const WITH_LATIN = ['Jpan', 'Hanb', 'Kore'];

let scriptTests: Array<[string, RegExp]> | undefined;
/** Built once; a Script value newer than this engine's Unicode is skipped. */
function getScriptTests(): Array<[string, RegExp]> {
  if (scriptTests === undefined) {
    scriptTests = [];
    for (const script of SCRIPTS) {
      try {
        scriptTests.push([script, new RegExp(`^\\p{Script_Extensions=${script}}$`, 'u')]);
      } catch {
        // unknown to this engine: no character it knows has that script either
      }
    }
  }
  return scriptTests;
}

/** Script sets of characters seen so far; bounded, since a name's characters are anyone's choice. */
const scriptCache = new Map<string, ScriptSet>();
const SCRIPT_CACHE_MAX = 4096;

function scriptsOf(char: string): ScriptSet {
  if (ASCII_LETTER_RE.test(char)) return LATIN;
  if (ANY_SCRIPT_RE.test(char)) return null;
  let scripts = scriptCache.get(char);
  if (scripts !== undefined) return scripts;
  const found = new Set<string>();
  for (const [script, re] of getScriptTests()) {
    if (!re.test(char)) continue;
    found.add(script);
    for (const extra of AUGMENTED[script] ?? []) found.add(extra);
  }
  // A script this engine knows but the generated list does not: its own script.
  if (found.size === 0) found.add(`?${char}`);
  scripts = found;
  if (scriptCache.size >= SCRIPT_CACHE_MAX) scriptCache.clear();
  scriptCache.set(char, scripts);
  return scripts;
}

function intersect(a: ReadonlySet<string> | null, b: ReadonlySet<string>): ReadonlySet<string> {
  if (a === null) return b;
  const out = new Set<string>();
  for (const s of a) if (b.has(s)) out.add(s);
  return out;
}

/**
 * Whether a name mixes scripts beyond "highly restrictive": it must be in one
 * script (digits, `_`, `-`, `.` and combining marks go with any), or be Latin
 * with Han + Hiragana/Katakana, Han + Bopomofo, or Han + Hangul. So `pаypal`
 * with a Cyrillic а is refused, and `山田たろう` or `山田taro` are not.
 */
export function mixesScripts(name: string): boolean {
  let resolved: ReadonlySet<string> | null = null;
  let resolvedWithoutLatin: ReadonlySet<string> | null = null;
  for (const char of name) {
    const scripts = scriptsOf(char);
    if (scripts === null) continue;
    resolved = intersect(resolved, scripts);
    if (!scripts.has('Latin')) resolvedWithoutLatin = intersect(resolvedWithoutLatin, scripts);
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
  for (const char of text.normalize('NFD')) {
    if (DEFAULT_IGNORABLE_RE.test(char)) continue;
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
  const caseless = lookalikeKey(nfkc.toLowerCase());
  const asTyped = lookalikeKey(nfkc);
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
