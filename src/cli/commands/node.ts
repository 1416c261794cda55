/**
 * `dpp node --config <file>`: runs one validator in the foreground — store, consensus, p2p and the
 * HTTP + WebSocket API (src/api/, docs/api.md) — until SIGTERM or SIGINT, then shuts down cleanly (no committed data is lost on
 * a kill either: every block is one synced batch), or until the validator fails (exit code 1). The validator and its API are loaded when the
 * command runs, so that every other `dpp` command starts without them. `dpp node backup | restore`
 * are in ./nodeBackup.ts.
 */

import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { RegulatorService } from '../../api/apiContext.ts';
import { readKeyStore } from '../../client/keyStore.ts';
import { keptOrgKey, keptRegulatorKeys } from '../../client/memberSecrets.ts';
import { libsodiumGroup } from '../../crypto/groupLibsodium.ts';
import type { NodeConfig } from '../../node/config.ts';
import { DASHBOARD_OUT } from '../dashboardBuild.ts';
import { CliError } from '../output.ts';
import { registerBackupCommands } from './nodeBackup.ts';

/** Adds `dpp node`, and its `backup` and `restore` (./nodeBackup.ts). */
export function register(program: Command): void {
  // `dpp node backup --config …` takes its own --config: an option belongs to the command it follows
  // (commander wants this on the program as well as on `node`; the program has no options of its own)
  program.enablePositionalOptions();
  const node = program
    .command('node')
    .description('run one validator (store, PBFT consensus, p2p, client endpoint) until SIGTERM')
    .option('-c, --config <file>', 'validator configuration file (written by `dpp network up`)')
    .enablePositionalOptions()
    .action((o: { config?: string }) => {
      if (o.config === undefined)
        throw new CliError(
          'CLI_USAGE',
          "required option '-c, --config <file>' not specified",
          'dpp node --config validator-0.config.json (or dpp node backup | restore --help)',
        );
      return runNode({ config: o.config });
    });
  registerBackupCommands(node);
}

/** Starts the validator described by `config` and resolves when it has stopped. */
export async function runNode({ config: configPath }: { readonly config: string }): Promise<void> {
  const { loadNodeConfig } = await import('../../node/config.ts');
  const { nodeLogger } = await import('../../node/logger.ts');
  const { ValidatorNode } = await import('../../node/validatorNode.ts');
  const { startApiServer } = await import('../../api/server.ts');
  const config = loadNodeConfig(configPath);
  const log = nodeLogger(`validator-${config.validatorIndex}`);
  const node = await ValidatorNode.start(config, log);
  const regulator = await regulatorService(config);
  const dashboardDir = DASHBOARD_OUT;
  const api = await startApiServer(node, config.api, {
    logger: log,
    ...(regulator === undefined ? {} : { regulator }),
    ...(existsSync(dashboardDir) ? { dashboardDir } : {}),
  }).catch(async (err: unknown) => {
    await node.stop();
    throw listenError(err, config.api);
  });
  log.info(
    { api: api.url, dashboard: `${api.url}/dashboard/`, regulator: regulator !== undefined },
    'API listening',
  );
  await new Promise<void>((resolve) => {
    let closing = false;
    const shutdown = (signal: string) => {
      if (closing) return;
      closing = true;
      log.info({ signal }, 'shutting down');
      api
        .close()
        .catch((err) => log.error({ err: String(err) }, 'API close failed'))
        .then(() => node.stop())
        .then(resolve, resolve);
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    // A validator that failed (a fatal error stops it, exit code 1) must not linger behind its API.
    void node.whenStopped().then(() => shutdown('validator stopped'));
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

/** A port in use becomes CLI_PORT_IN_USE naming it (the first error line of the validator's log). */
function listenError(err: unknown, at: { readonly host: string; readonly port: number }): unknown {
  if ((err as { code?: unknown }).code !== 'EADDRINUSE') return err;
  return new CliError(
    'CLI_PORT_IN_USE',
    `cannot listen on ${at.host}:${at.port} (the API): the port is in use by another process`,
    'another network runs there? stop it, or use other ports',
  );
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
  return {
    memberId: store.metadata.memberId ?? 'trading-centre',
    orgKey: keptOrgKey(store),
    keys: keptRegulatorKeys(await libsodiumGroup(), store),
  };
}
