/** Times in the page's language (fixed when the page loads): one formatter for today, one for earlier days. */
let today: Intl.DateTimeFormat | undefined;
let earlier: Intl.DateTimeFormat | undefined;

/** `14:05`, or with the day for a time before today (a stored line): `24/11, 14:05`. */
export function formatTime(time: number, lang: string): string {
  if (time >= new Date().setHours(0, 0, 0, 0)) {
    return (today ??= new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' })).format(time);
  }
  return (earlier ??= new Intl.DateTimeFormat(lang, { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' })).format(time);
}

/** The first letter of a name, for its avatar. */
export function initial(name: string): string {
  return ([...name][0] ?? '?').toUpperCase();
}
