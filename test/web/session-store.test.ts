import { describe, expect, it } from 'vitest';
import { PENDING_KEY, SESSION_KEY, SessionStore, type KeyValue } from '../../web/lib/session-store.ts';
import { MemoryStorage } from './stand-ins.ts';


describe('the session store', () => {
  it('keeps the session and the unconfirmed lines across a reload (a new store on the same storage)', () => {
    const storage = new MemoryStorage();
    const before = new SessionStore(storage);
    before.save({ token: 'tok_1', count: 17, name: 'ana' });
    before.savePending([
      { id: 3, line: 'oi', label: 'L1' },
      { id: 0, line: '/users' },
    ]);
    const after = new SessionStore(storage);
    expect(after.load()).toEqual({ token: 'tok_1', count: 17, name: 'ana' });
    expect(after.loadPending()).toEqual([{ line: 'oi', label: 'L1' }, { line: '/users' }]);
  });

  it('forgets the session, and stores no list when nothing waits', () => {
    const storage = new MemoryStorage();
    const store = new SessionStore(storage);
    store.save({ token: 't', count: 0, name: 'ana' });
    store.savePending([{ id: 1, line: 'x', label: 'L' }]);
    store.save(null);
    store.savePending([]);
    expect(storage.map.size).toBe(0);
    expect(store.load()).toBeNull();
    expect(store.loadPending()).toEqual([]);
  });

  it('ignores what it cannot trust: bad JSON, a bad token, a negative or fractional count, odd list entries', () => {
    const storage = new MemoryStorage();
    const store = new SessionStore(storage);
    for (const bad of ['{', '{"token":"a b","count":1,"name":"x"}', '{"token":"a","count":-1,"name":"x"}', '{"token":"a","count":1.5,"name":"x"}', '{"token":"a","count":1,"name":""}', '7']) {
      storage.setItem(SESSION_KEY, bad);
      expect(store.load(), bad).toBeNull();
    }
    storage.setItem(PENDING_KEY, '[{"line":"ok"},null,{"line":5},{"line":"x","label":3}]');
    expect(store.loadPending()).toEqual([{ line: 'ok' }]);
  });

  it('works without storage, and when storage throws (disabled or full)', () => {
    const none = new SessionStore(null);
    none.save({ token: 't', count: 1, name: 'a' });
    expect(none.load()).toBeNull();
    const throwing: KeyValue = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {},
    };
    const store = new SessionStore(throwing);
    expect(() => store.save({ token: 't', count: 1, name: 'a' })).not.toThrow();
    expect(store.load()).toBeNull();
    expect(store.loadPending()).toEqual([]);
  });
});
