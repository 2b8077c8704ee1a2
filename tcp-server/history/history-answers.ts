/**
 * The answers to `/history` and to the extension commands `/since` and
 * `/last`, as the bytes sent: pure functions of the stored rows, so they are
 * tested without a socket. Each answer is one string (one buffer, one write).
 */
import { type ServerEvent, formatEvent, historyStamp, utf8Length } from '../../protocol/index.ts';
import type { StoredLine } from './history-store.ts';

const line = (event: ServerEvent): string => formatEvent(event) + '\n';

/** `/history [n]`: a header, one line per message, the end line; or the empty notice. */
export function historyAnswer(rows: readonly StoredLine[]): string {
  if (rows.length === 0) return line({ type: 'history-notice', notice: 'empty' });
  let out = line({ type: 'history-header', count: rows.length });
  for (const r of rows) out += line({ type: 'history-line', stamp: historyStamp(r.time), from: r.name, text: r.text });
  return out + line({ type: 'history-end' });
}

const extLine = (r: StoredLine): string => line({ type: 'ext-history', id: r.id, time: r.time, from: r.name, text: r.text });

/**
 * `/since <id>`: `rows` are the stored lines after the id, oldest first, one
 * more than `page` if there are more. The answer holds at most `page` lines
 * and about `maxBytes` (always at least one line), so that it fits well
 * within the client's send queue; `+hist-end more` tells the client to ask
 * again from the last id it got.
 */
export function sinceAnswer(rows: readonly StoredLine[], page: number, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  let taken = 0;
  while (taken < rows.length && taken < page) {
    const next = extLine(rows[taken]!);
    bytes += utf8Length(next);
    if (taken > 0 && bytes > maxBytes) break;
    out += next;
    taken++;
  }
  return out + line({ type: 'ext-history-end', more: taken < rows.length });
}

/** `/last <n>`: the newest stored lines, oldest first, as many of them as fit in `maxBytes` (at least one). */
export function lastAnswer(rows: readonly StoredLine[], maxBytes: number): string {
  const kept: string[] = [];
  let bytes = 0;
  for (let i = rows.length - 1; i >= 0; i--) {
    const next = extLine(rows[i]!);
    bytes += utf8Length(next);
    if (kept.length > 0 && bytes > maxBytes) break;
    kept.push(next);
  }
  const out = kept.reverse().join('');
  return out + line({ type: 'ext-history-end', more: false });
}
