/**
 * Name identity (protocol/name-identity.ts): invisible characters, mixed
 * scripts, and look-alike names that are one name.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  NameRegistry,
  isValidName,
  mixesScripts,
  nameIdentityKeys,
  nameProblem,
  normalizeName,
  sameName,
  skeleton,
} from '../../protocol/index.ts';
import { CONFUSABLES, CONFUSABLES_UNICODE_VERSION } from '../../protocol/confusables.generated.ts';
import { SCRIPTS } from '../../protocol/scripts.generated.ts';

const problem = (typed: string) => nameProblem(normalizeName(typed));

/** Every code point the engine's Unicode data calls Default_Ignorable_Code_Point. */
const DEFAULT_IGNORABLES: string[] = [];
for (let cp = 0; cp <= 0x10ffff; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const char = String.fromCodePoint(cp);
  if (/\p{Default_Ignorable_Code_Point}/u.test(char)) DEFAULT_IGNORABLES.push(char);
}

describe('invisible characters', () => {
  it('refuses the Hangul fillers that pass as letters today', () => {
    for (const filler of ['\u3164', '\u115f\u1160', '\uffa0', '\u3164'.repeat(5), 'ana\u3164']) {
      expect(isValidName(filler), JSON.stringify(filler)).toBe(/\p{L}/u.test(filler));
      expect(problem(filler), JSON.stringify(filler)).toBe('invisible');
    }
  });

  it('refuses a name holding any Default_Ignorable_Code_Point, wherever it sits', () => {
    expect(DEFAULT_IGNORABLES.length).toBeGreaterThan(4000);
    for (const char of DEFAULT_IGNORABLES) {
      expect(problem(`an${char}a`), `U+${char.codePointAt(0)!.toString(16)}`).toBe('invisible');
    }
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9_]{1,20}$/),
        fc.constantFrom(...DEFAULT_IGNORABLES),
        fc.nat(),
        (name, char, at) => {
          const i = at % (name.length + 1);
          // NFC as the server stores it, not trimmed: U+FEFF at an end would be trimmed away
          expect(nameProblem((name.slice(0, i) + char + name.slice(i)).normalize('NFC'))).toBe('invisible');
        },
      ),
    );
  });

  it('leaves the skeleton unchanged by invisible characters', () => {
    expect(skeleton('a\u200bn\u00ada')).toBe(skeleton('ana'));
  });
});

describe('mixed scripts (UTS #39 highly restrictive)', () => {
  it('accepts a name in one script, with digits, _, - and . in any script', () => {
    for (const ok of ['José', 'Ελένη', 'Иван', 'Мария', '山田たろう', 'たろうキム', '김철수', 'محمد', 'דוד', 'Иван_2', 'Ελένη.1', '山田-01', 'José_99', '٣', 'user_1', '___']) {
      expect(problem(ok), ok).toBeNull();
    }
  });

  it('accepts Latin with Han + Hiragana/Katakana, Han + Bopomofo or Han + Hangul', () => {
    for (const ok of ['山田taro', 'taro山田', 'たろうJohn', 'タロウ_x', '王ㄅㄆmei', '김철수kim', 'kim金철수']) {
      expect(mixesScripts(ok), ok).toBe(false);
    }
  });

  it('refuses any other mixture', () => {
    for (const bad of ['pаypal', 'аna', 'Иvan', 'Αlpha', 'たろう김', 'Иван山', 'ㄅㄆ김', 'a٣', 'Ωmega', 'ana\u0435']) {
      expect(problem(bad), bad).toBe('mixed-scripts');
    }
  });

  it('refuses a Latin name as soon as one letter is Cyrillic or Greek', () => {
    const lookalikes = ['а', 'е', 'о', 'р', 'с', 'у', 'х', 'ο', 'α', 'ν'];
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,20}$/), fc.constantFrom(...lookalikes), fc.nat(), (name, char, at) => {
        const i = at % (name.length + 1);
        expect(problem(name.slice(0, i) + char + name.slice(i))).toBe('mixed-scripts');
      }),
    );
  });

  it('never refuses a name drawn from one alphabet, with digits and _ . -', () => {
    const alphabets = ['abcdefxyzABCXYZéñß', 'абвгдежзийклмнАБВЖЯё', 'αβγδεζηθλμνξοπΑΒΓΔΩά', '山田本川花子たろうキムラ', 'אבגדהוזחטי', '가나다라마바사'];
    for (const alphabet of alphabets) {
      const char = fc.constantFrom(...alphabet, '0', '9', '_', '.', '-');
      fc.assert(
        fc.property(fc.array(char, { minLength: 1, maxLength: 32 }), (chars) => {
          expect(mixesScripts(chars.join(''))).toBe(false);
        }),
        { numRuns: 200 },
      );
    }
  });

  it('gives the same verdict whatever the order of the characters', () => {
    const char = fc.constantFrom(...'ab山たカㄅ김бα1_');
    fc.assert(
      fc.property(fc.array(char, { minLength: 1, maxLength: 12 }), (chars) => {
        const verdict = mixesScripts(chars.join(''));
        expect(mixesScripts([...chars].reverse().join(''))).toBe(verdict);
        expect(mixesScripts([...chars].sort().join(''))).toBe(verdict);
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with the definition computed the long way, character by character', () => {
    // UTS #39 §5.1 as written: each character's full augmented Script_Extensions set, intersected.
    const augment: Record<string, string[]> = { Han: ['Jpan', 'Kore', 'Hanb'], Hiragana: ['Jpan'], Katakana: ['Jpan'], Hangul: ['Kore'], Bopomofo: ['Hanb'] };
    const setOf = (c: string): Set<string> | null => {
      if (/[\p{scx=Zyyy}\p{scx=Zinh}]/u.test(c)) return null;
      const set = new Set<string>();
      for (const script of SCRIPTS) {
        if (new RegExp(`\\p{scx=${script}}`, 'u').test(c)) [script, ...(augment[script] ?? [])].forEach((x) => set.add(x));
      }
      return set;
    };
    const resolve = (sets: Array<Set<string>>) => sets.reduce((a, b) => new Set([...a].filter((x) => b.has(x))));
    const reference = (name: string): boolean => {
      const sets = [...name].map(setOf).filter((x): x is Set<string> => x !== null);
      if (sets.length === 0 || resolve(sets).size > 0) return false;
      const nonLatin = sets.filter((x) => !x.has('Latin'));
      const rest = nonLatin.length > 0 ? resolve(nonLatin) : new Set<string>();
      return !['Jpan', 'Kore', 'Hanb'].some((x) => rest.has(x));
    };
    // Letters of several scripts, and characters whose Script_Extensions list several scripts.
    const char = fc.constantFrom(...'aZ山たカㄅ김бαש٣1_.\u0301・ー々\u3001\u0640ー');
    fc.assert(
      fc.property(fc.array(char, { minLength: 1, maxLength: 8 }), (chars) => {
        const name = chars.join('');
        expect(mixesScripts(name), JSON.stringify(name)).toBe(reference(name));
      }),
      { numRuns: 300 },
    );
  });

  it('knows every script in the generated list, on this engine', () => {
    // A script the engine rejected would make its letters count as a script of their own.
    for (const script of SCRIPTS) expect(() => new RegExp(`\\p{Script_Extensions=${script}}`, 'u'), script).not.toThrow();
  });
});

describe('look-alike names are one name', () => {
  it('treats case, width and confusable variants of ana as ana', () => {
    for (const variant of ['ANA', 'Ana', 'ａｎａ', 'ＡＮＡ', 'ɑna', 'ΑΝΑ', 'ꓮꓠꓮ']) {
      expect(sameName(variant, 'ana'), variant).toBe(true);
    }
  });

  it('treats Latin copy and Cyrillic сору as one name, both ways', () => {
    expect(problem('сору')).toBeNull(); // all Cyrillic: a valid name on its own
    expect(sameName('copy', 'сору')).toBe(true);
    expect(sameName('сору', 'copy')).toBe(true);
  });

  it('treats rn and m as one name, as UTS #39 intends', () => {
    expect(sameName('rn', 'm')).toBe(true);
    expect(sameName('arnold', 'amold')).toBe(true);
  });

  it('sees a capital I as the l it looks like, and Cyrillic capitals as the Latin ones', () => {
    expect(sameName('paypaI', 'paypal')).toBe(true);
    expect(sameName('ВОВ', 'bob')).toBe(true);
    expect(sameName('B0B', 'BOB')).toBe(true);
  });

  it('keeps names that do not look alike apart', () => {
    for (const [a, b] of [
      ['bob', 'rob'],
      ['ana', 'anna'],
      ['ilya', 'llya'],
      ['Иван', 'Ivan'],
      ['山田', '山本'],
      ['josé', 'jose'],
    ] as const) {
      expect(sameName(a, b), `${a} / ${b}`).toBe(false);
    }
  });

  it('is reflexive, symmetric, and holds for every case and width variant', () => {
    const toFullwidth = (s: string) => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_]{1,32}$/), fc.stringMatching(/^[A-Za-z0-9_]{1,32}$/), (a, b) => {
        expect(sameName(a, a)).toBe(true);
        expect(sameName(a, b)).toBe(sameName(b, a));
        expect(sameName(a, a.toUpperCase())).toBe(true);
        expect(sameName(a, a.toLowerCase())).toBe(true);
        expect(sameName(a, toFullwidth(a))).toBe(true);
      }),
    );
  });

  it('has at most two keys, the case-folded one first', () => {
    expect(nameIdentityKeys('ana')).toEqual([skeleton('ana')]);
    const [caseless, asTyped] = nameIdentityKeys('Ilya');
    expect(caseless).toBe(nameIdentityKeys('ilya')[0]);
    expect(asTyped).toBe(nameIdentityKeys('llya')[0]);
  });
});

describe('the confusables table', () => {
  const entries = CONFUSABLES.split('\n').filter((l) => l !== '');
  const prototypeOf = (char: string) =>
    entries.find((l) => l.split(' ')[0] === char.codePointAt(0)!.toString(16))?.split(' ').slice(1);

  it('is Unicode 17.0 confusables.txt, one entry per source code point', () => {
    expect(CONFUSABLES_UNICODE_VERSION).toBe('17.0');
    expect(entries.length).toBeGreaterThan(6500);
    const sources = entries.map((l) => parseInt(l.split(' ')[0]!, 16));
    expect(new Set(sources).size).toBe(sources.length);
    expect(sources).toEqual([...sources].sort((a, b) => a - b));
  });

  it('holds the known prototypes from confusables.txt', () => {
    expect(prototypeOf('а')).toEqual(['61']); // CYRILLIC SMALL LETTER A → a
    expect(prototypeOf('ɑ')).toEqual(['61']); // LATIN SMALL LETTER ALPHA → a
    expect(prototypeOf('m')).toEqual(['72', '6e']); // m → rn
    expect(prototypeOf('I')).toEqual(['6c']); // I → l
    expect(prototypeOf('a')).toBeUndefined(); // a prototype maps to nothing
  });
});

describe('NameRegistry', () => {
  it('finds the holder of a name by any look-alike of it, and forgets it on delete', () => {
    const names = new NameRegistry<string>();
    names.add('ana', 'conn-1');
    for (const variant of ['ana', 'ANA', 'ａｎａ', 'ɑna', 'аna']) expect(names.find(variant), variant).toBe('conn-1');
    expect(names.find('bob')).toBeUndefined();
    names.delete('ana', 'someone-else');
    expect(names.find('ana')).toBe('conn-1');
    names.delete('ana', 'conn-1');
    expect(names.find('ANA')).toBeUndefined();
  });

  it('holds both keys of a name and prefers the case-folded match', () => {
    const names = new NameRegistry<string>();
    names.add('paypaI', 'capital-i');
    expect(names.find('paypal')).toBe('capital-i');
    expect(names.find('PAYPAI')).toBe('capital-i');
    names.delete('paypaI', 'capital-i');
    expect(names.find('paypal')).toBeUndefined();

    names.add('ilya', 'i');
    names.add('llya', 'l'); // does not look like ilya: both may be online
    expect(names.find('Ilya')).toBe('i'); // looks like llya too, but is ilya's case variant
    expect(names.find('LLYA')).toBe('l');
  });
});
