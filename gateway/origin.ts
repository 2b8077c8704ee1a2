/**
 * Which pages may open a WebSocket: the page's own origin, or one listed in
 * ALLOWED_ORIGINS. A browser always sends Origin on a WebSocket handshake,
 * so a missing one is refused too (it is not a browser we served).
 */
export function isAllowedOrigin(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (!origin) return false;
  if (allowed.includes(origin)) return true;
  if (!host) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  // Same origin: the page was served by this very host:port.
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host.toLowerCase();
}
