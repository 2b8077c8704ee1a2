/**
 * The session token's one public part (docs/PROTOCOL.md, Session resume,
 * "The token"): a cluster node's token ends with `.<node name>`, so that a
 * gateway can send a resuming page to the node that holds its session. The
 * part before the first `.` is the secret (base64url, which has no `.`); a
 * client treats it as opaque and reads nothing but this optional hint. The
 * single server's token has no tag.
 */

/** A node's name (CHAT_NODE_NAME, a CHAT_SERVERS entry's name, the page's `?node=`): plain, safe in keys, logs and URLs. */
export const NODE_NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/u;

/** Between the secret and the node's name; base64url never contains it, so the first one splits. */
export const TOKEN_TAG_SEPARATOR = '.';

/** A token as the server sends it and a client gives it back: the secret, and maybe `.<node name>`. */
export const SESSION_TOKEN_RE = /^[A-Za-z0-9_-]{1,100}(?:\.[A-Za-z0-9_.-]{1,64})?$/u;

/** The token a node gives: `secret` alone, or `secret.node` when `node` is not empty. */
export function tagToken(secret: string, node: string): string {
  return node === '' ? secret : `${secret}${TOKEN_TAG_SEPARATOR}${node}`;
}

/** The node a token names, or null (no tag, or not a token at all). */
export function tokenNode(token: string): string | null {
  if (!SESSION_TOKEN_RE.test(token)) return null;
  const at = token.indexOf(TOKEN_TAG_SEPARATOR);
  return at === -1 ? null : token.slice(at + 1);
}
