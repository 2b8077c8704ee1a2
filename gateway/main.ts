/**
 * `npm run gateway`: serves the page and bridges /ws to the chat servers.
 * With GATEWAY_WORKERS > 1 this process is the primary of that many
 * workers (gateway/cluster-primary.ts), each of which runs this file too.
 */
import cluster from 'node:cluster';
import { CONFIG_EXIT_CODE, ConfigError } from '../common/env.ts';
import { runPrimary } from './cluster-primary.ts';
import { type GatewayConfig, gatewayConfigFromEnv } from './config.ts';
import { capToDescriptors, readDescriptorLimit } from './descriptors.ts';
import { serve } from './serve.ts';

let config: GatewayConfig;
let warning: string | null;
try {
  config = gatewayConfigFromEnv();
  // Each worker is a process with this same limit: the cap is per process.
  const capped = capToDescriptors(config.maxSockets, readDescriptorLimit(), config.fdReserve);
  config.maxSockets = capped.maxSockets;
  warning = capped.warning;
} catch (error) {
  process.stderr.write(`gateway: ${(error as Error).message}\n`);
  process.exit(error instanceof ConfigError ? CONFIG_EXIT_CODE : 1);
}

if (cluster.isPrimary && config.workers > 1) runPrimary(config);
else await serve(config, warning);
