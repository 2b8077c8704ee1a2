/**
 * The name prompt says what is wrong with a name in words, in both
 * languages, by the protocol's own rule.
 */
import { describe, expect, it } from 'vitest';
import { NAME_MAX_CHARS } from '../../protocol/index.ts';
import { nameProblem } from '../../web/lib/name-problems.ts';
import { STRINGS, nameProblemText } from '../../web/lib/i18n.ts';

const say = (name: string, lang: 'en' | 'pt' = 'en') => {
  const p = nameProblem(name);
  return p && nameProblemText(p, STRINGS[lang]);
};

describe('what is wrong with a name', () => {
  it('nothing, for a valid or an empty name', () => {
    expect(nameProblem('ana')).toBeNull();
    expect(nameProblem('José_da-Silva.2')).toBeNull();
    expect(nameProblem('')).toBeNull();
  });

  it('names spaces, emoji, invisible characters and symbols in words', () => {
    expect(say('ana maria')).toBe('Spaces are not allowed.');
    expect(say('ana\tmaria')).toBe('Spaces are not allowed.');
    expect(say('ana😀')).toBe('Emoji are not allowed.');
    expect(say('ana🇧🇷')).toBe('Emoji are not allowed.');
    expect(say('ana\u200bmaria')).toBe('Invisible characters are not allowed.');
    expect(say('ana!')).toBe('“!” is not allowed.');
    expect(say('@ana')).toBe('“@” is not allowed.');
  });

  it('says the first problem: fixing it shows the next', () => {
    expect(say('a b!')).toBe('Spaces are not allowed.');
    expect(say('ab!')).toBe('“!” is not allowed.');
  });

  it('says when a name is too long', () => {
    expect(say('a'.repeat(NAME_MAX_CHARS + 1))).toBe(`At most ${NAME_MAX_CHARS} characters.`);
  });

  it('in Portuguese', () => {
    expect(say('ana maria', 'pt')).toBe('Espaços não são permitidos.');
    expect(say('ana😀', 'pt')).toBe('Emojis não são permitidos.');
    expect(say('ana\u200b', 'pt')).toBe('Caracteres invisíveis não são permitidos.');
    expect(say('ana!', 'pt')).toBe('“!” não é permitido.');
    expect(say('a'.repeat(NAME_MAX_CHARS + 1), 'pt')).toBe(`No máximo ${NAME_MAX_CHARS} caracteres.`);
  });
});
