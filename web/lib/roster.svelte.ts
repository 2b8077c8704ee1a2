/**
 * Who is online, as the page shows it: the sorted list and each person's
 * avatar colour (different for people online together, see avatar-colors.ts).
 */
import { nameKey, sortNames } from '../../protocol/index.ts';
import { assignColors, colorSlot } from './avatar-colors.ts';

export class Roster {
  users = $state.raw<string[]>([]);
  private colors = $state.raw<ReadonlyMap<string, number>>(new Map());

  /** The whole list (a welcome, a /users answer). */
  set(users: readonly string[]): void {
    const next = sortNames(users);
    this.colors = assignColors(this.users, next, this.colors);
    this.users = next;
  }

  /** Someone joined; listed once whatever the case they joined with. */
  add(name: string): void {
    if (!this.users.some((u) => nameKey(u) === nameKey(name))) this.set([...this.users, name]);
  }

  remove(name: string): void {
    this.set(this.users.filter((u) => nameKey(u) !== nameKey(name)));
  }

  /** The avatar colour slot (0–7) for a name, online or not. */
  colorOf(name: string): number {
    return this.colors.get(nameKey(name)) ?? colorSlot(name);
  }
}
