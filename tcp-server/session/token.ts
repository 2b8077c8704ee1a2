/**
 * Session tokens: what a client presents to take its session back
 * (docs/PROTOCOL.md, Session resume). Never logged.
 *
 * The server finds a session by a hash of the token (a Map lookup by the
 * token itself would compare strings byte by byte and stop at the first
 * difference: a timing oracle), then compares the tokens in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { tagToken } from '../../protocol/index.ts';

/** 18 random bytes: 144 bits, 24 base64url characters. */
export const TOKEN_BYTES = 18;

/**
 * A fresh token: the secret, then `.<node>` when `node` is given (a cluster
 * node names itself so a gateway can route a resume to it; the name is
 * public, the secret alone carries the 144 bits).
 */
export function newToken(node = ''): string {
  return tagToken(randomBytes(TOKEN_BYTES).toString('base64url'), node);
}

/** What sessions are looked up by: a digest, so the lookup reveals nothing about the token. */
export function tokenLookupKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Whether two tokens are the same, in time that does not depend on where they differ. */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
