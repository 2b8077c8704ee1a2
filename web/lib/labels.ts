/**
 * Labels for the lines the page sends (docs/PROTOCOL.md, Labels): random
 * enough (128 bits) that labels from every page can share the server's one
 * memory without colliding.
 */

/** A fresh label: 16 random bytes in base64url, 22 characters. */
export function newLabel(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const bytes = random(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/gu, '-')
    .replace(/\//gu, '_')
    .replace(/=+$/u, '');
}
