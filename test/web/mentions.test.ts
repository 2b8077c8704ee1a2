import { describe, expect, it } from 'vitest';
import {
  applyMention,
  filterNames,
  mentionQuery,
  privateRecipient,
  tabComplete,
  type TabState,
} from '../../web/lib/mentions.ts';

const users = ['ana', 'Bob', 'bianca', 'carlos', 'Érica', 'obi'];

describe('@ autocomplete', () => {
  it('finds the @name being typed at the caret', () => {
    expect(mentionQuery('@bi', 3)).toEqual({ start: 0, end: 3, query: 'bi' });
    expect(mentionQuery('oi @', 4)).toEqual({ start: 3, end: 4, query: '' });
    expect(mentionQuery('oi @bianca tudo', 6)).toEqual({ start: 3, end: 10, query: 'bi' });
    expect(mentionQuery('mail ana@x.com', 10)).toBeNull(); // an e-mail address is not a mention
    expect(mentionQuery('oi @bob ', 8)).toBeNull(); // past the name
  });

  it('filters online users case-insensitively, names starting with the query first, me excluded', () => {
    expect(filterNames(users, 'b', 'ana')).toEqual(['bianca', 'Bob', 'obi']);
    expect(filterNames(users, 'B', 'bob')).toEqual(['bianca', 'obi']);
    expect(filterNames(users, 'éri', 'ana')).toEqual(['Érica']);
    expect(filterNames(users, 'eri', 'ana')).toEqual(['Érica']); // accents ignored while matching
    expect(filterNames(users, '', 'ana')).toEqual(['bianca', 'Bob', 'carlos', 'obi', 'Érica']);
    expect(filterNames(users, 'zz', 'ana')).toEqual([]);
  });

  it('replaces the query with the picked name and a space', () => {
    expect(applyMention('@bi', { start: 0, end: 3, query: 'bi' }, 'bianca')).toEqual({ value: '@bianca ', caret: 8 });
    expect(applyMention('oi @b tudo', { start: 3, end: 5, query: 'b' }, 'Bob')).toEqual({
      value: 'oi @Bob tudo',
      caret: 8,
    });
  });
});

describe('Tab completion, IRC style', () => {
  it('completes at the start of a line with ": " and cycles on further Tabs', () => {
    const first = tabComplete('b', 1, users, 'ana', null)!;
    expect(first.edit).toEqual({ value: 'bianca: ', caret: 8 });
    const second = tabComplete(first.edit.value, first.edit.caret, users, 'ana', first.state)!;
    expect(second.edit).toEqual({ value: 'Bob: ', caret: 5 });
    const third = tabComplete(second.edit.value, second.edit.caret, users, 'ana', second.state)!;
    expect(third.edit.value).toBe('bianca: ');
  });

  it('completes inside a line with a space and keeps what follows', () => {
    const r = tabComplete('oi car, tudo?', 6, users, 'ana', null)!;
    expect(r.edit).toEqual({ value: 'oi carlos , tudo?', caret: 10 });
  });

  it('keeps a typed @ so the line stays private', () => {
    const r = tabComplete('@er', 3, users, 'ana', null)!;
    expect(r.edit).toEqual({ value: '@Érica ', caret: 7 });
  });

  it('does nothing without a match (Tab then moves focus as usual)', () => {
    expect(tabComplete('zzz', 3, users, 'ana', null)).toBeNull();
    expect(tabComplete('', 0, users, 'ana', null)).toBeNull();
    expect(tabComplete('oi ', 3, users, 'ana', null)).toBeNull();
  });

  it('starts over after the text was edited', () => {
    const first = tabComplete('b', 1, users, 'ana', null)!;
    const stale: TabState = first.state;
    const r = tabComplete('o', 1, users, 'ana', stale)!;
    expect(r.edit.value).toBe('obi: ');
  });
});

describe('private hint', () => {
  it('names the recipient of a line that starts with @name and a space', () => {
    expect(privateRecipient('@bob oi')).toBe('bob');
    expect(privateRecipient('@bob ')).toBe('bob');
    expect(privateRecipient('@bob')).toBeNull();
    expect(privateRecipient('oi @bob tudo')).toBeNull();
  });
});
