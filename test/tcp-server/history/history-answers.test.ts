/**
 * The bytes answering `/history`, `/since` and `/last`, from stored rows.
 */
import { describe, expect, it } from 'vitest';
import { historyAnswer, lastAnswer, sinceAnswer } from '../../../tcp-server/history/history-answers.ts';
import type { StoredLine } from '../../../tcp-server/history/history-store.ts';
import { historyStamp, parseServerLine } from '../../../protocol/index.ts';

const T = new Date(2024, 10, 24, 14, 5).getTime();
const row = (id: number, text = `m${id}`, name = 'ana'): StoredLine => ({ id, time: T + id * 60_000, name, text });
const rows = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => row(from + i));
const lines = (answer: string) => answer.split('\n').slice(0, -1);

describe('/history', () => {
  it('is a header with the count, one stamped line per message, and the end line', () => {
    expect(lines(historyAnswer([row(1, 'oi, pessoal'), row(2, 'olá!', 'bruno')]))).toEqual([
      'Histórico (2):',
      `[${historyStamp(T + 60_000)}] ana: oi, pessoal`,
      `[${historyStamp(T + 120_000)}] bruno: olá!`,
      'Fim do histórico.',
    ]);
    expect(historyStamp(T + 60_000)).toBe('24/11 14:06');
  });
  it('says so when nothing is stored', () => {
    expect(historyAnswer([])).toBe('Nenhuma mensagem no histórico.\n');
  });
});

describe('/since', () => {
  it('sends at most a page and says there is more when there is', () => {
    const answer = lines(sinceAnswer(rows(11, 16), 5, 1 << 20));
    expect(answer.slice(0, -1).map((l) => parseServerLine(l))).toEqual(
      rows(11, 15).map((r) => ({ type: 'ext-history', id: r.id, time: r.time, from: r.name, text: r.text })),
    );
    expect(answer.at(-1)).toBe('+hist-end more');
  });
  it('says done when the page holds the rest', () => {
    expect(lines(sinceAnswer(rows(11, 15), 5, 1 << 20)).at(-1)).toBe('+hist-end done');
    expect(sinceAnswer([], 5, 1 << 20)).toBe('+hist-end done\n');
  });
  it('stops at the byte bound (counting UTF-8 bytes), but always sends one line', () => {
    const long = (id: number) => row(id, 'é'.repeat(1000)); // 2,000 bytes of text
    const answer = lines(sinceAnswer([long(1), long(2), long(3)], 100, 4500));
    expect(answer.map((l) => l.slice(0, 8))).toEqual(['+hist 1 ', '+hist 2 ', '+hist-en']);
    expect(answer.at(-1)).toBe('+hist-end more');
    expect(lines(sinceAnswer([long(1), long(2)], 100, 10))).toHaveLength(2);
  });
});

describe('/last', () => {
  it('sends the newest lines oldest first, as many as fit the byte bound', () => {
    expect(lines(lastAnswer(rows(1, 3), 1 << 20)).map((l) => l.split(' ')[1])).toEqual(['1', '2', '3', 'done']);
    const long = (id: number) => row(id, 'x'.repeat(2000));
    expect(lines(lastAnswer([long(1), long(2), long(3)], 4500)).map((l) => l.split(' ')[1])).toEqual(['2', '3', 'done']);
  });
});
