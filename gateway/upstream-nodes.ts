/**
 * CHAT_SERVERS: the chat servers (nodes) the gateway may send a browser to,
 * as `host:port` entries, an IPv6 address in brackets (`[::1]:12345`), each
 * maybe named: `node1=host:port`, the node's CHAT_NODE_NAME. The list is the
 * operator's. The one thing a client may ask is which of the NAMED nodes to
 * try first (`/ws?node=<name>`, the tag of its session token): a resuming page
 * goes back to the node that holds its session (docs/PROTOCOL.md, Session
 * resume). An unnamed node is never asked for by name.
 */
import { isIP } from 'node:net';
import { NODE_NAME_RE } from '../protocol/index.ts';

export interface UpstreamNode {
  host: string;
  port: number;
  /** `host:port` as configured, the node's label in /healthz, metrics and logs. */
  address: string;
  /** The node's CHAT_NODE_NAME, when the entry gives it (`name=host:port`): what its session tokens end with. */
  name?: string;
}

/** `[name=]host:port`, `[name=][v6]:port`; a host name is letters, digits, dots and dashes. */
const ENTRY_RE = /^(?:([^=]*)=)?(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

export function upstreamNode(host: string, port: number, name?: string): UpstreamNode {
  const node: UpstreamNode = { host, port, address: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}` };
  if (name !== undefined) node.name = name;
  return node;
}

/** Checks CHAT_SERVERS entries (already split on commas); throws naming the first bad one. */
export function parseChatServers(entries: readonly string[]): UpstreamNode[] {
  const nodes: UpstreamNode[] = [];
  for (const entry of entries) {
    const m = ENTRY_RE.exec(entry);
    const port = m ? Number(m[4]) : 0;
    if (!m || port < 1 || port > 65535 || (m[2] !== undefined && isIP(m[2]) !== 6)) {
      throw new Error(`"${entry}" is not host:port (an IPv6 address in brackets, a port from 1 to 65535; name=host:port to name the node)`);
    }
    const name = m[1];
    if (name !== undefined && !NODE_NAME_RE.test(name)) {
      throw new Error(`"${entry}": a node's name is its CHAT_NODE_NAME, 1 to 64 letters, digits, _, . or -`);
    }
    const node = upstreamNode((m[2] ?? m[3]!).toLowerCase(), port, name);
    // Listed twice, a node would take twice its share of browsers.
    if (nodes.some((n) => n.address === node.address)) throw new Error(`"${entry}" is listed twice`);
    // Two nodes of one name: a resume could not tell which holds its session.
    if (name !== undefined && nodes.some((n) => n.name === name)) throw new Error(`"${entry}": the name ${name} is given twice`);
    nodes.push(node);
  }
  return nodes;
}

/**
 * The warning for a list of several nodes some of which have no name: a page
 * whose session is on one of them cannot be sent back to it, so its resume
 * fails about as often as it lands elsewhere. Null when there is nothing to say.
 */
export function unnamedNodesWarning(nodes: readonly UpstreamNode[]): string | null {
  const unnamed = nodes.filter((n) => n.name === undefined);
  if (nodes.length < 2 || unnamed.length === 0) return null;
  return (
    `CHAT_SERVERS: ${unnamed.map((n) => n.address).join(', ')} ${unnamed.length === 1 ? 'has' : 'have'} no name ` +
    '(name=host:port, the node\'s CHAT_NODE_NAME): a page resuming a session there may land on another node and lose it'
  );
}

/**
 * The node a socket asks to be tried first, from its `?node=` query value:
 * a plain node name, or null for anything else (missing, repeated, too long,
 * odd characters), which is ignored rather than answered: it only ever
 * orders the configured nodes, never adds one.
 */
export function requestedNode(value: unknown): string | null {
  return typeof value === 'string' && NODE_NAME_RE.test(value) ? value : null;
}
