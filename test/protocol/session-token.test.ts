/**
 * The session token's optional routing tag (docs/PROTOCOL.md, Session
 * resume, "The token"): a cluster node's token is `<secret>.<node name>`;
 * a client reads the node from it and nothing else.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  NODE_NAME_RE,
  parsePromptLine,
  parseServerLine,
  resumeLine,
  tagToken,
  tokenNode,
} from '../../protocol/index.ts';

const secret = fc.stringMatching(/^[A-Za-z0-9_-]{24}$/);
const nodeName = fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/);

describe('session token tag', () => {
  it('gives back the node a tagged token names, whatever the secret and the name (dots included)', () => {
    fc.assert(
      fc.property(secret, nodeName, (s, n) => {
        const token = tagToken(s, n);
        expect(token).toBe(`${s}.${n}`);
        expect(tokenNode(token)).toBe(n);
        // The server's line and the client's answer carry it whole.
        expect(parseServerLine(`+session ${token}`)).toEqual({ type: 'ext-session', token });
        expect(parsePromptLine(resumeLine(token, 7))).toEqual({ type: 'resume', token, count: 7 });
      }),
      { numRuns: 500 },
    );
  });

  it('leaves the single server\'s token as it was: no tag, no node', () => {
    expect(tagToken('Ab_9-xYzAb_9-xYzAb_9-xYz', '')).toBe('Ab_9-xYzAb_9-xYzAb_9-xYz');
    expect(tokenNode('Ab_9-xYzAb_9-xYzAb_9-xYz')).toBeNull();
  });

  it('reads no node from what is not a token', () => {
    for (const bad of ['', '.node-1', 'abc.', 'abc.node 1', 'abc.nó', `abc.${'n'.repeat(65)}`, 'a/b.node', 'abc.node?x=1']) {
      expect(tokenNode(bad)).toBeNull();
    }
  });

  it('splits at the first dot: the secret is base64url, which has none', () => {
    expect(tokenNode('secret.eu.node-1')).toBe('eu.node-1');
  });

  it('refuses a /resume whose token has a bad tag, as any bad token', () => {
    expect(parsePromptLine('/resume abc.node/1 3')).toEqual({ type: 'resume-usage' });
    expect(parsePromptLine('/resume abc. 3')).toEqual({ type: 'resume-usage' });
  });

  it('uses the node-name rule of CHAT_NODE_NAME and CHAT_SERVERS', () => {
    expect(NODE_NAME_RE.test('node-1')).toBe(true);
    expect(NODE_NAME_RE.test('n'.repeat(64))).toBe(true);
    expect(NODE_NAME_RE.test('n'.repeat(65))).toBe(false);
    expect(NODE_NAME_RE.test('node=1')).toBe(false);
  });
});
