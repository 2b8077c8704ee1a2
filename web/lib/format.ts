/** Times in the page's language (fixed when the page loads), one formatter for all. */
let formatter: Intl.DateTimeFormat | undefined;

export function formatTime(time: number, lang: string): string {
  return (formatter ??= new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' })).format(time);
}

/** The first letter of a name, for its avatar. */
export function initial(name: string): string {
  return ([...name][0] ?? '?').toUpperCase();
}
