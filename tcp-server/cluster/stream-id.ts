/**
 * Redis stream entry ids (`<ms>-<seq>`) compared as Redis orders them: by
 * the time part, then the sequence part, both as whole numbers (string order
 * would put `9-0` after `10-0`).
 */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = split(a);
  const [bm, bs] = split(b);
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

function split(id: string): [number, number] {
  const dash = id.indexOf('-');
  if (dash === -1) return [Number(id), 0];
  return [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}
