/**
 * Text rules shared by both sides: what is stripped from every line, and how
 * the line limit counts a line's length.
 */

// C0 and C1 controls (escape sequences, bell, CR, tab…) and the bidirectional
// embedding/override (U+202A–U+202E) and isolate (U+2066–U+2069) characters.
const UNSAFE_RE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Removes what could drive a terminal or disguise text; see PROTOCOL.md. */
export function sanitize(text: string): string {
  return text.replace(UNSAFE_RE, '');
}

/** UTF-8 length of a string, as the server's line limit counts it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

