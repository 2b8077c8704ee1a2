/**
 * The stdout lines that say a process is up. The launcher, the tests and the
 * benchmark wait for them; the processes print them. One definition each.
 */

/** Printed by the chat server once it listens (the original server's line). */
export function chatReadyLine(host: string, port: number): string {
  return `Servidor rodando em ${host}:${port}...`;
}
/** Matches chatReadyLine; group 1 is the host, group 2 the port. */
export const CHAT_READY_RE = /^Servidor rodando em (\S+):(\d+)\.\.\.$/m;

/** Printed by the gateway once it listens. */
export function gatewayReadyLine(url: string): string {
  return `Chat page: ${url}`;
}
/** Matches gatewayReadyLine; group 1 is the URL, 2 its host, 3 its port. */
export const GATEWAY_READY_RE = /^Chat page: (http:\/\/(\S+):(\d+))$/m;

/** Printed by `npm run cluster` once Redis, every chat node and the gateway are up. */
export function clusterReadyLine(redisUrl: string, nodes: readonly string[], pageUrl: string, dataDir: string): string {
  return `Cluster: Redis ${redisUrl}, nodes ${nodes.join(' ')}, page ${pageUrl} (data in ${dataDir})`;
}
/** Matches clusterReadyLine: 1 the Redis URL, 2 the nodes' host:port (space-separated), 3 the page's URL, 4 the data folder. */
export const CLUSTER_READY_RE = /^Cluster: Redis (redis:\/\/\S+), nodes (\S+(?: \S+)*), page (http:\/\/\S+) \(data in (.+)\)$/m;

/** Printed by the chat server, before its own ready line, when CHAT_METRICS_PORT turns its metrics on. */
export function chatMetricsReadyLine(host: string, port: number): string {
  return `Metrics: http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`;
}
/** Matches chatMetricsReadyLine; group 1 is the URL. */
export const CHAT_METRICS_READY_RE = /^Metrics: (http:\/\/\S+\/metrics)$/m;
