/**
 * CHAT_SERVERS: the chat servers (nodes) the gateway may send a browser to,
 * as `host:port` entries, an IPv6 address in brackets (`[::1]:12345`).
 * Nothing a client sends chooses among them: the list is the operator's.
 */
import { isIP } from 'node:net';

export interface UpstreamNode {
  host: string;
  port: number;
  /** `host:port` as configured, the node's name in /healthz, metrics and logs. */
  address: string;
}

/** `host:port`, `[v6]:port`; a host name is letters, digits, dots and dashes. */
const ENTRY_RE = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

export function upstreamNode(host: string, port: number): UpstreamNode {
  return { host, port, address: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}` };
}

/** Checks CHAT_SERVERS entries (already split on commas); throws naming the first bad one. */
export function parseChatServers(entries: readonly string[]): UpstreamNode[] {
  const nodes: UpstreamNode[] = [];
  for (const entry of entries) {
    const m = ENTRY_RE.exec(entry);
    const port = m ? Number(m[3]) : 0;
    if (!m || port < 1 || port > 65535 || (m[1] !== undefined && isIP(m[1]) !== 6)) {
      throw new Error(`"${entry}" is not host:port (an IPv6 address in brackets, a port from 1 to 65535)`);
    }
    const node = upstreamNode((m[1] ?? m[2]!).toLowerCase(), port);
    // Listed twice, a node would take twice its share of browsers.
    if (nodes.some((n) => n.address === node.address)) throw new Error(`"${entry}" is listed twice`);
    nodes.push(node);
  }
  return nodes;
}
