/**
 * TRUST_PROXY: the reverse proxies whose X-Forwarded-For (the client's
 * address, which MAX_SOCKETS_PER_IP counts) and X-Forwarded-Host are
 * believed. Only named proxies: a bare "true" or a hop count would let any
 * client pick the address it is counted under.
 */
import { isIP } from 'node:net';

/** proxy-addr's names for address ranges, which Fastify's trustProxy accepts too. */
const KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Checks TRUST_PROXY entries (already split on commas): addresses, CIDRs or the keywords above. */
export function parseTrustProxy(entries: readonly string[]): string[] {
  for (const entry of entries) {
    if (!isProxyEntry(entry)) {
      throw new Error(`"${entry}" is not an address, a CIDR range or one of ${[...KEYWORDS].join(', ')}`);
    }
  }
  return [...entries];
}

function isProxyEntry(entry: string): boolean {
  if (KEYWORDS.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}
