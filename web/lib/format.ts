/** Times in the page's language, formatters built once. */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function formatTime(time: number, lang: string): string {
  let f = formatters.get(lang);
  if (!f) {
    f = new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' });
    formatters.set(lang, f);
  }
  return f.format(time);
}

/** A stable colour slot (0–7) for a name, so each person keeps one avatar colour. */
export function colorSlot(name: string): number {
  let h = 0;
  for (const ch of name.toLowerCase()) h = (h * 31 + ch.codePointAt(0)!) >>> 0;
  return h % 8;
}

/** The first letter of a name, for its avatar. */
export function initial(name: string): string {
  return ([...name][0] ?? '?').toUpperCase();
}
