/**
 * Who is in the room, on every node: the names in online-list order, and who
 * holds each name under the name-identity rules (look-alikes are one name).
 * Pure bookkeeping, the same for the single server and for a cluster node;
 * the room link keeps it up to date, the chat server reads it for the
 * welcome, `/users` and `@name`.
 */
import { NameRegistry, compareNames } from '../../protocol/index.ts';

export interface RoomMember<T> {
  /** The name as its holder chose it. */
  readonly name: string;
  /** The node the holder is connected to. */
  readonly node: string;
  /** The local member (a connection) when `node` is this node; undefined for a remote one. */
  readonly holder: T | undefined;
}

export class Roster<T> {
  private readonly identities = new NameRegistry<RoomMember<T>>();
  private readonly byNode = new Map<string, Map<string, RoomMember<T>>>();
  /** Every name, kept sorted so a welcome or `/users` costs no sort. */
  private readonly sorted: string[] = [];

  /** Every name in the room, sorted as online lists are. */
  get names(): readonly string[] {
    return this.sorted;
  }

  get size(): number {
    return this.sorted.length;
  }

  /** Who holds this name or one that is one name with it. */
  find(name: string): RoomMember<T> | undefined {
    return this.identities.find(name);
  }

  /** Adds a member; null (nothing changed) when its name, or a look-alike, is held already. */
  add(name: string, node: string, holder?: T): RoomMember<T> | null {
    if (this.identities.find(name) !== undefined) return null;
    const member: RoomMember<T> = { name, node, holder };
    this.identities.add(name, member);
    let names = this.byNode.get(node);
    if (names === undefined) this.byNode.set(node, (names = new Map()));
    names.set(name, member);
    this.sorted.splice(insertionIndex(this.sorted, name), 0, name);
    return member;
  }

  /**
   * Removes `name` if `node` holds it (and, when given, that very holder);
   * returns the member removed, or undefined when nothing changed.
   */
  remove(name: string, node: string, holder?: T): RoomMember<T> | undefined {
    const member = this.byNode.get(node)?.get(name);
    if (member === undefined || (holder !== undefined && member.holder !== holder)) return undefined;
    this.forget(member);
    return member;
  }

  /** The names `node` holds, sorted. */
  namesOf(node: string): string[] {
    return [...(this.byNode.get(node)?.keys() ?? [])].sort(compareNames);
  }

  /** Every node holding at least one name. */
  nodes(): string[] {
    return [...this.byNode.keys()];
  }

  /** Removes every name `node` holds (it is gone); returns them sorted. */
  removeNode(node: string): string[] {
    const names = this.namesOf(node);
    for (const name of names) this.forget(this.byNode.get(node)!.get(name)!);
    return names;
  }

  /**
   * Makes `node`'s names exactly `names` (what that node says it holds after
   * Redis lost its data): returns what changed, sorted. A name held by
   * another node is left to it.
   */
  reconcile(node: string, names: readonly string[]): { added: string[]; removed: string[] } {
    const wanted = new Set(names);
    const removed = this.namesOf(node).filter((name) => !wanted.has(name));
    for (const name of removed) this.remove(name, node);
    const added = [...wanted].filter((name) => this.add(name, node) !== null).sort(compareNames);
    return { added, removed };
  }

  private forget(member: RoomMember<T>): void {
    this.identities.delete(member.name, member);
    const names = this.byNode.get(member.node)!;
    names.delete(member.name);
    if (names.size === 0) this.byNode.delete(member.node);
    const i = sortedIndexOf(this.sorted, member.name);
    if (i !== -1) this.sorted.splice(i, 1);
  }
}

function insertionIndex(sorted: readonly string[], name: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareNames(sorted[mid]!, name) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** compareNames is a total order on distinct names, so a binary search finds a name exactly. */
function sortedIndexOf(sorted: readonly string[], name: string): number {
  const i = insertionIndex(sorted, name) - 1;
  return i >= 0 && sorted[i] === name ? i : -1;
}
