/**
 * The roster: who is in the room on every node, under the same name rules as
 * the single server (case, width and look-alikes are one name), in
 * online-list order.
 */
import { describe, expect, it } from 'vitest';
import { Roster } from '../../../tcp-server/cluster/roster.ts';

describe('Roster', () => {
  it('lists every node’s names in online-list order, ignoring case', () => {
    const r = new Roster<string>();
    r.add('bia', 'n1', 'conn-bia');
    r.add('Caio', 'n2');
    r.add('ana', 'n2');
    r.add('Duda', 'n1', 'conn-duda');
    expect(r.names).toEqual(['ana', 'bia', 'Caio', 'Duda']);
    expect(r.size).toBe(4);
  });

  it('refuses a name that is one name with a held one: case, width, look-alikes', () => {
    const r = new Roster<string>();
    expect(r.add('ana', 'n1')).not.toBeNull();
    for (const same of ['ANA', 'ａｎａ', 'ɑna']) {
      expect(r.add(same, 'n2')).toBeNull();
      expect(r.find(same)?.name).toBe('ana');
    }
    expect(r.names).toEqual(['ana']);
  });

  it('finds a member with its node and, for a local one, its holder', () => {
    const r = new Roster<string>();
    r.add('ana', 'here', 'conn-ana');
    r.add('bia', 'there');
    expect(r.find('ANA')).toEqual({ name: 'ana', node: 'here', holder: 'conn-ana' });
    expect(r.find('bia')).toEqual({ name: 'bia', node: 'there', holder: undefined });
    expect(r.find('caio')).toBeUndefined();
  });

  it('removes a name only for the node (and holder) that holds it', () => {
    const r = new Roster<string>();
    r.add('ana', 'n1', 'first');
    expect(r.remove('ana', 'n2')).toBeUndefined();
    expect(r.remove('ana', 'n1', 'second')).toBeUndefined();
    expect(r.names).toEqual(['ana']);
    expect(r.remove('ana', 'n1', 'first')?.name).toBe('ana');
    expect(r.names).toEqual([]);
    expect(r.find('ana')).toBeUndefined();
    // Free again, for anyone.
    expect(r.add('ANA', 'n2')).not.toBeNull();
  });

  it('removes a whole node at once (it died) and says which names left, sorted', () => {
    const r = new Roster<string>();
    r.add('zé', 'dead');
    r.add('ana', 'dead');
    r.add('bia', 'alive');
    expect(r.nodes().sort()).toEqual(['alive', 'dead']);
    expect(r.removeNode('dead')).toEqual(['ana', 'zé']);
    expect(r.names).toEqual(['bia']);
    expect(r.nodes()).toEqual(['alive']);
    expect(r.removeNode('dead')).toEqual([]);
  });

  it('reconciles a node to the names it says it holds: only the differences change', () => {
    const r = new Roster<string>();
    r.add('ana', 'n1');
    r.add('bia', 'n1');
    r.add('caio', 'n2');
    expect(r.reconcile('n1', ['bia', 'duda', 'caio'])).toEqual({ added: ['duda'], removed: ['ana'] });
    // caio stays n2's: a name held by another node is left to it.
    expect(r.find('caio')?.node).toBe('n2');
    expect(r.namesOf('n1')).toEqual(['bia', 'duda']);
    expect(r.reconcile('n1', ['bia', 'duda'])).toEqual({ added: [], removed: [] });
  });

  it('keeps the list sorted through many adds and removes', () => {
    const r = new Roster<number>();
    const names = Array.from({ length: 200 }, (_, i) => `user${(i * 37) % 200}`);
    names.forEach((n, i) => r.add(n, `n${i % 3}`));
    for (const n of names.filter((_, i) => i % 2 === 0)) r.remove(n, `n${names.indexOf(n) % 3}`);
    const expected = names.filter((_, i) => i % 2 === 1).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
    expect(r.names).toEqual(expected);
  });
});
