/**
 * `dpp node --config <file>`: runs one validator in the foreground — store, consensus, p2p and the
 * HTTP + WebSocket API (src/api/, docs/api.md) — until SIGTERM or SIGINT, then shuts down cleanly (no committed data is lost on
 * a kill either: every block is one synced batch).
 */

import { startApiServer } from '../../api/server.ts';
import { loadNodeConfig } from '../../node/config.ts';
import { nodeLogger } from '../../node/logger.ts';
import { ValidatorNode } from '../../node/validatorNode.ts';

/** Starts the validator described by `configPath` and resolves when it has stopped. */
export async function runNode(configPath: string): Promise<void> {
  const config = loadNodeConfig(configPath);
  const log = nodeLogger(`validator-${config.validatorIndex}`);
  const node = await ValidatorNode.start(config, log);
  const api = await startApiServer(node, config.api, { logger: log });
  log.info({ api: api.url }, 'API listening');
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      api
        .close()
        .catch((err) => log.error({ err: String(err) }, 'API close failed'))
        .then(() => node.stop())
        .then(resolve, resolve);
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    // Launched by `dpp network up` or a test: do not outlive the launcher if it dies without stopping us.
    if (process.env.DPP_EXIT_WITH_PARENT === '1') {
      const parent = process.ppid;
      const watch = setInterval(() => {
        if (process.ppid !== parent) {
          clearInterval(watch);
          shutdown('parent exited');
        }
      }, 1_000);
      watch.unref();
    }
  });
}
