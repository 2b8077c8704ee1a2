/**
 * The HTTP endpoint Prometheus scrapes: GET /metrics, nothing else. Plain
 * node:http (the chat server has no web framework and needs none for one
 * path). Started before the chat server listens and closed after it has
 * closed (main.ts), so a scrape sees the server's last figures.
 */
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { METRICS_SETTINGS } from './metrics-config.ts';

/** The endpoint could not listen (the port is in use, the address is not this machine's…). */
export class MetricsListenError extends Error {
  readonly code = 'ERR_METRICS_LISTEN';
}

export class MetricsEndpoint {
  private constructor(private readonly server: http.Server) {}

  /** Listens on host:port (port 0: any free port, for tests). Rejects with a MetricsListenError naming the variables. */
  static async start(registry: Registry, { host, port }: { host: string; port: number }): Promise<MetricsEndpoint> {
    const server = http.createServer((request, response) => void answer(registry, request, response));
    // Prometheus keeps its connection open between scrapes; nobody else should linger.
    server.headersTimeout = 10_000;
    server.requestTimeout = 10_000;
    server.listen({ host, port });
    try {
      await once(server, 'listening');
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      const why = e.code === 'EADDRINUSE' ? 'the port is in use' : e.code === 'EADDRNOTAVAIL' ? 'no such address here' : e.message;
      throw new MetricsListenError(
        `${METRICS_SETTINGS.port.env}: cannot serve metrics on ${host}:${port} (${why}; see ${METRICS_SETTINGS.host.env})`,
      );
    }
    return new MetricsEndpoint(server);
  }

  get address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  /** Stops listening and drops every connection (a scraper's kept-alive one included). */
  async close(): Promise<void> {
    const closed = once(this.server, 'close');
    this.server.close();
    this.server.closeAllConnections();
    await closed;
  }
}

async function answer(registry: Registry, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const path = (request.url ?? '').split('?')[0];
  if (path !== '/metrics') {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: the metrics are at /metrics\n');
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('GET only\n');
    return;
  }
  try {
    const text = await registry.metrics();
    response.writeHead(200, { 'content-type': registry.contentType });
    response.end(request.method === 'HEAD' ? undefined : text);
  } catch (error) {
    response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics unavailable: ${(error as Error).message}\n`);
  }
}
