/**
 * `dpp node backup` and `dpp node restore` (docs/cli.md, docs/deploy.md "Backup and restore").
 * backup: a consistent snapshot of a RUNNING validator, taken through its API with its own key
 * (POST /v1/snapshot) and written into a new folder with its manifest (../../node/backupFolder.ts).
 * restore: brings a STOPPED validator back from such a folder (../../node/restore.ts): the other
 * validators' APIs are asked for their height and view first, so that the restored validator stays
 * silent until it is past every height it may have voted at, and starts in their view.
 */
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { NodeClient } from '../../client/nodeClient.ts';
import { downloadSnapshot } from '../../client/snapshotDownload.ts';
import type { SnapshotProgress } from '../../node/backupFolder.ts';
import type { Endpoint, NodeConfig } from '../../node/config.ts';
import type { PeerReport } from '../../node/restore.ts';
import { CliError, emit, plural, progress, short } from '../output.ts';
import { ifGiven, wholeNumber } from '../parse.ts';

/** Options of `dpp node backup`. */
export interface BackupOptions {
  readonly config: string;
  readonly out: string;
  readonly api?: string;
  readonly json?: boolean;
}

/** Options of `dpp node restore`. */
export interface RestoreCommandOptions {
  readonly config: string;
  readonly from: string;
  readonly force?: boolean;
  readonly silentUntil?: string;
  readonly json?: boolean;
}

/** Adds `dpp node backup` and `dpp node restore` under `dpp node`. */
export function registerBackupCommands(node: Command): void {
  node
    .command('backup')
    .description('take a consistent snapshot of a running validator into a new folder (no keys, no votes)')
    .requiredOption(
      '-c, --config <file>',
      'the validator’s configuration file (its key file signs the request)',
    )
    .requiredOption('-o, --out <dir>', 'a new folder for the backup')
    .option('--api <url>', 'the validator’s API (default: the `api` endpoint of its configuration)')
    .option('--json', 'print the manifest as JSON')
    .action((o: BackupOptions) => backup(o));
  node
    .command('restore')
    .description('bring a stopped validator back from a backup folder; it catches up when started')
    .requiredOption('-c, --config <file>', 'the validator’s configuration file')
    .requiredOption('--from <dir>', 'the backup folder (written by `dpp node backup`)')
    .option('--force', 'replace what the validator’s data folder holds')
    .option(
      '--silent-until <height>',
      'when no other validator can be asked: vote only once the head is at this height (0 when every validator is restored)',
    )
    .option('--json', 'print the result as JSON')
    .action((o: RestoreCommandOptions) => restore(o));
}

/** `dpp node backup`. */
export async function backup(o: BackupOptions): Promise<void> {
  const { loadNodeConfig } = await import('../../node/config.ts');
  const { loadIdentity } = await import('../../node/bootstrap.ts');
  const { writeBackup } = await import('../../node/backupFolder.ts');
  const config = loadNodeConfig(o.config);
  const identity = loadIdentity(config);
  const out = resolve(o.out);
  // [REFUSE] a folder that holds anything: a backup never overwrites another
  if (existsSync(out) && readdirSync(out).length > 0)
    throw new CliError(
      'CLI_FOLDER_NOT_EMPTY',
      `${o.out} is not empty: a backup goes into a new folder`,
      `name a new one, e.g. --out backups/validator-${config.validatorIndex}-${new Date().toISOString().slice(0, 10)}`,
    );
  const apiUrl = o.api ?? urlOf(config.api);
  const started = Date.now();
  const line = progress();
  line.update(`asking ${apiUrl} for a snapshot`);
  try {
    const chunks = await downloadSnapshot({
      apiUrl,
      chainId: config.chainId,
      validator: config.validatorIndex,
      key: identity.key,
    });
    const manifest = await writeBackup(out, chunks, {
      validator: config.validatorIndex,
      takenAtMs: started,
      onProgress: (p) => line.update(`copying ${describe(p)}`),
    });
    line.done();
    const ms = Date.now() - started;
    emit(o.json === true, { ...manifest, folder: out, ms }, () => {
      console.log(
        `${pc.green('✓')} backup of validator-${manifest.validator} (${manifest.chainId}) at height ${pc.bold(manifest.height)} in ${seconds(ms)}`,
      );
      console.log(`  folder     ${out}`);
      console.log(
        `  head       ${manifest.height} · block ${short(manifest.headHash)} · state root ${short(manifest.stateRoot)} · view ${manifest.view}`,
      );
      console.log(
        `  snapshot   ${plural(manifest.entries, 'entry', 'entries')}, ${megabytes(manifest.bytes)}, sha256 ${short(manifest.sha256)}`,
      );
      console.log('  holds      the chain only: no key, no vote (keys are backed up by each organisation)');
      console.log(`  restore    dpp node restore --config ${o.config} --from ${o.out}`);
    });
  } finally {
    line.done();
  }
}

/** `dpp node restore`. */
export async function restore(o: RestoreCommandOptions): Promise<void> {
  const { loadNodeConfig } = await import('../../node/config.ts');
  const { restoreValidator } = await import('../../node/restore.ts');
  const config = loadNodeConfig(o.config);
  const silentUntil = ifGiven(o.silentUntil, (t) =>
    BigInt(wholeNumber(t, '--silent-until', 0, Number.MAX_SAFE_INTEGER, '--silent-until 1200')),
  );
  const line = progress();
  try {
    const result = await restoreValidator({
      config,
      from: resolve(o.from),
      force: o.force === true,
      askPeers: () => {
        line.update('asking the other validators how far the chain is');
        return peerReports(config);
      },
      ...(silentUntil === undefined ? {} : { silentUntil }),
      onProgress: (p) => line.update(`restoring ${describe(p)}`),
    });
    line.done();
    const { peers } = result;
    const m = result.manifest;
    const replaced =
      result.replaced === undefined
        ? 'an empty data folder'
        : result.replaced === null
          ? 'a data folder that held no readable store'
          : `a store at height ${result.replaced}`;
    const silent = result.silentUntilHeight > result.height;
    // while silent, the others must commit without this validator
    const warning =
      silent && peers.length < result.quorum
        ? `only ${peers.length} other validator${peers.length === 1 ? '' : 's'} answered and a block needs ${result.quorum} votes: while it is silent the chain commits only with ${result.quorum} of the others up — start them`
        : null;
    emit(
      o.json === true,
      {
        validator: config.validatorIndex,
        dataDir: config.dataDir,
        height: result.height,
        headHash: m.headHash,
        from: { folder: resolve(o.from), validator: m.validator, createdAt: m.createdAt },
        replaced: result.replaced ?? null,
        peers: peers.map((p) => ({ index: p.index, height: p.height, view: p.view })),
        silentUntilHeight: result.silentUntilHeight,
        view: result.view,
        warning,
        ms: result.ms,
      },
      () => {
        console.log(
          `${pc.green('✓')} validator-${config.validatorIndex} restored at height ${pc.bold(m.height)} in ${seconds(result.ms)} (replaced ${replaced})`,
        );
        console.log(
          `  from       ${o.from}: validator-${m.validator}'s snapshot of ${m.createdAt}, block ${short(m.headHash)}`,
        );
        console.log(
          `  peers      ${peers.length === 0 ? 'none answered' : peers.map((p) => `validator-${p.index} at ${p.height} (view ${p.view})`).join(', ')}`,
        );
        console.log(
          silent
            ? `  silent     it follows the chain without voting until its head is at ${result.silentUntilHeight}, then votes (docs/consensus.md §4.1)`
            : '  silent     no: it votes as soon as it runs',
        );
        console.log(`  view       its replica starts in view ${result.view}, with no vote cast`);
        if (warning !== null) console.log(`  ${pc.yellow('warning')}    ${warning}`);
        console.log(
          `  next       start it (dpp node --config ${o.config}): it fetches the blocks it lacks from the others`,
        );
      },
    );
  } finally {
    line.done();
  }
}

/** Heights and views the other validators' APIs report now (those that answer within 2 s, on this chain). */
async function peerReports(config: NodeConfig): Promise<PeerReport[]> {
  const answers = await Promise.all(
    config.peers.map(async (p): Promise<PeerReport | undefined> => {
      if (p.api === undefined) return undefined;
      try {
        const s = await new NodeClient(urlOf(p.api), { timeoutMs: 2_000, busyTimeoutMs: 0 }).status();
        if (s.chainId !== config.chainId) return undefined;
        return { index: p.index, height: BigInt(s.height), view: BigInt(s.view) };
      } catch {
        return undefined;
      }
    }),
  );
  return answers.filter((a): a is PeerReport => a !== undefined);
}

/** `http://host:port` of an endpoint; a wildcard listen address is reached on loopback. */
function urlOf(e: Endpoint): string {
  const host = e.host === '0.0.0.0' ? '127.0.0.1' : e.host === '::' ? '::1' : e.host;
  return `${'tls' in e || ('https' in e && e.https === true) ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${e.port}`;
}

function describe(p: SnapshotProgress): string {
  const blocks = p.height === null ? '' : `block ${p.block < 0n ? 0n : p.block} of ${p.height}, `;
  return `${blocks}${plural(p.entries, 'entry', 'entries')}, ${megabytes(p.bytes)}`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
