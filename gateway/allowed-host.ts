/**
 * Which names a request may be addressed to (its Host header), against DNS
 * rebinding: a page on `http://evil.example:8080` whose name is re-pointed
 * at 127.0.0.1 reaches this gateway with `Host: evil.example:8080`, and its
 * Origin matches that Host, so only the name itself gives it away. Allowed
 * are names that cannot be re-pointed by someone else's DNS (`localhost`,
 * `*.localhost`, IP literals, any port) and those the operator lists in
 * ALLOWED_HOSTS. The same rule as Vite's `server.allowedHosts`.
 */
import { isIP } from 'node:net';

/** `name[:port]` or `[ipv6][:port]`; anything else (userinfo, paths, spaces) is not a Host. */
const HOST_RE = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::\d{1,5})?$/i;
const NAME_RE = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;

/** Checks ALLOWED_HOSTS entries (already split on commas); returns them lower-cased. */
export function parseAllowedHosts(entries: readonly string[]): string[] {
  return entries.map((entry) => {
    const host = entry.toLowerCase();
    const name = host.startsWith('*.') ? host.slice(2) : host;
    if (!NAME_RE.test(name)) {
      throw new Error(`"${entry}" is not a host name: give a name or *.name, without scheme or port`);
    }
    return host;
  });
}

/** Whether a request naming `host` (its Host header, port included) is to be answered. */
export function isAllowedHost(host: string | undefined, allowed: readonly string[]): boolean {
  if (!host) return false;
  const m = HOST_RE.exec(host);
  if (!m) return false;
  if (m[1] !== undefined) return isIP(m[1]) === 6;
  const name = m[2]!.toLowerCase();
  if (isIP(name) === 4) return true;
  if (!NAME_RE.test(name)) return false;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  return allowed.some((entry) =>
    entry.startsWith('*.') ? name.endsWith(entry.slice(1)) && name.length > entry.length - 1 : name === entry,
  );
}
