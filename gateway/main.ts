/**
 * `npm run gateway`: serves the page and bridges /ws to the chat server.
 */
import { CONFIG_EXIT_CODE, ConfigError } from '../common/env.ts';
import { gatewayReadyLine } from '../common/ready-lines.ts';
import { buildGateway } from './app.ts';
import { type GatewayConfig, gatewayConfigFromEnv } from './config.ts';
import { capToDescriptors, readDescriptorLimit } from './descriptors.ts';

let config: GatewayConfig;
let warning: string | null;
try {
  config = gatewayConfigFromEnv();
  const capped = capToDescriptors(config.maxSockets, readDescriptorLimit(), config.fdReserve);
  config.maxSockets = capped.maxSockets;
  warning = capped.warning;
} catch (error) {
  process.stderr.write(`gateway: ${(error as Error).message}\n`);
  process.exit(error instanceof ConfigError ? CONFIG_EXIT_CODE : 1);
}

const app = await buildGateway(config);
if (warning !== null) app.log.warn({ maxSockets: config.maxSockets }, warning);
try {
  await app.listen({ host: config.httpHost, port: config.httpPort });
} catch (error) {
  app.log.error({ err: error }, 'cannot listen');
  process.exit(1);
}
const { port } = app.server.address() as { port: number };
const shownHost = ['0.0.0.0', '::', ''].includes(config.httpHost) ? 'localhost' : config.httpHost;
process.stdout.write(gatewayReadyLine(`http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`) + '\n');

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, 'shutting down');
  // app.close() is bounded by the two shutdown graces (ws-plugin.ts); should
  // anything else hold it, say a stalled HTTP response, exit all the same.
  setTimeout(() => {
    app.log.error('shutdown took too long; exiting');
    process.exit(1);
  }, config.shutdownRelayMs + config.shutdownCloseMs + 1000).unref();
  await app.close();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
