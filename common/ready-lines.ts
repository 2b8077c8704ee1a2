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
