/**
 * Splits a message's text into plain text, links and @-mentions for display.
 * The page renders each segment as a text node (never as HTML), and a link
 * only for an http(s) URL that the URL parser accepts.
 */
import { NAME_CHAR_CLASS, nameKey } from '../../protocol/index.ts';

export type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'link'; text: string; href: string }
  | { kind: 'mention'; text: string; me: boolean };

// A URL runs until whitespace or a character that cannot be part of one in chat text.
const URL_SOURCE = String.raw`\bhttps?:\/\/[^\s<>"'\u0060]+`;
// A mention is `@` after a non-name character (or the start) followed by a name.
// Not after a name character or another `@`; NAME_CHAR_CLASS is `[…]`, so `@` joins it inside.
const MENTION_SOURCE = `(?<!${NAME_CHAR_CLASS.slice(0, -1)}@])@${NAME_CHAR_CLASS}+`;
const TOKEN_RE = new RegExp(`(${URL_SOURCE})|(${MENTION_SOURCE})`, 'giu');

/** Punctuation that usually ends a sentence rather than a URL. */
const TRAILING_RE = /[.,;:!?)\]}*]+$/u;

/** The URL to link, or null when the text is not a safe http(s) URL. */
export function safeHref(raw: string): string | null {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (url.hostname === '') return null;
    return url.href;
  } catch {
    return null;
  }
}

function trimUrl(raw: string): string {
  let url = raw;
  const trail = TRAILING_RE.exec(url);
  if (trail) {
    url = url.slice(0, trail.index);
    // Keep a closing parenthesis that belongs to the URL, as in Wikipedia links.
    const t = trail[0];
    const opens = (url.match(/\(/g) ?? []).length;
    const closes = (url.match(/\)/g) ?? []).length;
    if (t.startsWith(')') && opens > closes) url += ')';
  }
  return url;
}

/** The name a mention token refers to, without sentence punctuation after it. */
export function mentionName(token: string): string {
  return token.slice(1).replace(/[.\-]+$/u, '');
}

/** Whether `text` mentions `me` (`@me` anywhere, case-insensitive, as the server compares names). */
export function mentionsMe(text: string, me: string): boolean {
  if (!me || !text.includes('@')) return false;
  const key = nameKey(me);
  for (const m of text.matchAll(new RegExp(MENTION_SOURCE, 'gu'))) {
    if (isMe(m[0], key)) return true;
  }
  return false;
}

function isMe(token: string, meKey: string): boolean {
  return nameKey(token.slice(1)) === meKey || nameKey(mentionName(token)) === meKey;
}

export function segments(text: string, me: string): Segment[] {
  const out: Segment[] = [];
  const meKey = me ? nameKey(me) : '';
  let last = 0;
  const push = (s: Segment) => {
    const prev = out[out.length - 1];
    if (s.kind === 'text' && prev?.kind === 'text') prev.text += s.text;
    else out.push(s);
  };
  for (const m of text.matchAll(TOKEN_RE)) {
    const start = m.index;
    let token = m[0];
    let seg: Segment | null = null;
    if (m[1] !== undefined) {
      token = trimUrl(token);
      const href = safeHref(token);
      if (href) seg = { kind: 'link', text: token, href };
    } else {
      seg = { kind: 'mention', text: token, me: meKey !== '' && isMe(token, meKey) };
    }
    if (!seg) continue;
    if (start > last) push({ kind: 'text', text: text.slice(last, start) });
    push(seg);
    last = start + token.length;
  }
  if (last < text.length) push({ kind: 'text', text: text.slice(last) });
  return out;
}
