/**
 * The page's side of session resume and labels that the protocol module
 * does not hold (it parses and formats the lines themselves): which
 * received lines the session's count includes, and fresh labels.
 */

/**
 * Whether a line received after `+session` adds to the session's count
 * (docs/PROTOCOL.md, Session resume): every line does (plain, `+…`,
 * answers) except `+session` and `+resumed`.
 */
export function countsLine(line: string): boolean {
  return !/^\+(?:session|resumed) /u.test(line);
}

/** A fresh label: 16 random bytes (128 bits) in base64url, 22 characters. */
export function newLabel(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const bytes = random(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/gu, '-')
    .replace(/\//gu, '_')
    .replace(/=+$/u, '');
}
