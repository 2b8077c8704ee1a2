/**
 * Terminal users for the resume scenarios: real TCP clients on the chat
 * server (LineClient), remembered so a test file closes them all, and the
 * checks a scenario makes on what they saw.
 */
import { LineClient } from '../helpers/line-client.ts';

export class Terminals {
  private readonly all: LineClient[] = [];

  /** A terminal user who joined the chat server at `port` as `name`. */
  async join(port: number, name: string): Promise<LineClient> {
    const t = await LineClient.join(port, name);
    this.all.push(t);
    return t;
  }

  closeAll(): void {
    for (const t of this.all.splice(0)) t.close();
  }
}

/**
 * `who` sends `lines` (public and `@name` private ones) in one write; returns
 * once `ear`, another terminal user, has heard the last public one: the
 * server handles a client's lines in order, so every line was handled.
 */
export async function saysAll(who: LineClient, name: string, ear: LineClient, lines: readonly string[]): Promise<void> {
  who.write(lines.map((l) => `${l}\n`).join(''));
  const last = lines.findLast((l) => !l.startsWith('@'));
  if (last === undefined) throw new Error('end the lines with a public one, for the ear to hear');
  await ear.next((l) => l === `${name}: ${last}`);
}

/** The joins and leaves of `name` a terminal user has seen so far. */
export function comingsAndGoings(t: LineClient, name: string): string[] {
  return t.lines.filter((l) => l === `${name} entrou no chat!` || l === `${name} saiu do chat.`);
}

/** What the page shows for a line typed at a terminal (`@pia text` shows as `text`). */
export const shownAs = (line: string): string => line.replace(/^@\S+ /u, '');
