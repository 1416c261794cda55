/**
 * `dpp node --config <file>`: runs one validator in the foreground — store, consensus, p2p and the
 * HTTP + WebSocket API (src/api/, docs/api.md) — until SIGTERM or SIGINT, then shuts down cleanly (no committed data is lost on
 * a kill either: every block is one synced batch).
 */

import { existsSync } from 'node:fs';
import type { RegulatorService } from '../../api/apiContext.ts';
import { startApiServer } from '../../api/server.ts';
import { readKeyStore } from '../../client/keyStore.ts';
import { orgKeyPair } from '../../crypto/ed25519.ts';
import { decodeScalar } from '../../crypto/group.ts';
import { libsodiumGroup } from '../../crypto/groupLibsodium.ts';
import { loadNodeConfig, type NodeConfig } from '../../node/config.ts';
import { nodeLogger } from '../../node/logger.ts';
import { ValidatorNode } from '../../node/validatorNode.ts';
import { DASHBOARD_OUT } from '../dashboardBuild.ts';

/** Starts the validator described by `configPath` and resolves when it has stopped. */
export async function runNode(configPath: string): Promise<void> {
  const config = loadNodeConfig(configPath);
  const log = nodeLogger(`validator-${config.validatorIndex}`);
  const node = await ValidatorNode.start(config, log);
  const regulator = await regulatorService(config);
  const dashboardDir = DASHBOARD_OUT;
  const api = await startApiServer(node, config.api, {
    logger: log,
    ...(regulator === undefined ? {} : { regulator }),
    ...(existsSync(dashboardDir) ? { dashboardDir } : {}),
  });
  log.info(
    { api: api.url, dashboard: `${api.url}/dashboard/`, regulator: regulator !== undefined },
    'API listening',
  );
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

/** The regulator's keys and the trading centre's org key from the key store the config names. */
async function regulatorService(config: NodeConfig): Promise<RegulatorService | undefined> {
  const ks = config.regulatorKeyStore;
  if (ks === undefined) return undefined;
  const passphrase = process.env.DPP_PASSPHRASE;
  const store = readKeyStore(ks.path, {
    ...(passphrase === undefined ? {} : { passphrase }),
    allowInsecure: ks.insecure,
  });
  const group = await libsodiumGroup();
  const masterSecret = decodeScalar(store.entry('regulator-master').bytes);
  const certKey = orgKeyPair(store.entry('regulator-cert').bytes);
  return {
    memberId: store.metadata.memberId ?? 'trading-centre',
    orgKey: orgKeyPair(store.entry('org').bytes),
    keys: {
      masterSecret,
      masterPublic: group.mulBase(masterSecret),
      certKey,
      certPublicKey: certKey.publicKey,
    },
  };
}
