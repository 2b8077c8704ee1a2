/**
 * What the page says about its connection, from the link's state and the
 * chat's: the header's word, and the reason the banner and the prompt give.
 */
import { expect, it } from 'vitest';
import { offlineReason, statusLevel } from '../../web/lib/link-status.ts';
import { STRINGS, reasonText } from '../../web/lib/i18n.ts';

it('the header says connected only when the socket is open and the chat joined', () => {
  expect(statusLevel('open', true)).toBe('online');
  expect(statusLevel('open', false)).toBe('connecting'); // open, name not yet accepted
  expect(statusLevel('connecting', false)).toBe('connecting');
  expect(statusLevel('closed', false)).toBe('reconnecting');
});

it('"full" from either side wins; then the farewell; then "cannot reach"', () => {
  expect(offlineReason('full', null)).toBe('full');
  expect(offlineReason(null, 'full')).toBe('full');
  expect(offlineReason('full', 'shutdown')).toBe('full');
  // After the farewell the gateway may be gone too: the farewell still explains the silence best.
  expect(offlineReason('unreachable', 'shutdown')).toBe('shutdown');
  expect(offlineReason('unreachable', null)).toBe('unreachable');
  expect(offlineReason(null, null)).toBe('unreachable');
});

it('words each reason in both languages', () => {
  expect(reasonText('full', STRINGS.en)).toBe('The server is full; trying again later.');
  expect(reasonText('shutdown', STRINGS.en)).toBe('The server is shutting down.');
  expect(reasonText('unreachable', STRINGS.en)).toBe('Cannot reach the server.');
  expect(reasonText('full', STRINGS.pt)).toBe('Servidor cheio; tentando de novo mais tarde.');
  expect(reasonText('shutdown', STRINGS.pt)).toBe('O servidor está encerrando.');
  expect(reasonText('unreachable', STRINGS.pt)).toBe('Servidor fora do ar.');
});
