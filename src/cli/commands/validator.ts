/**
 * `dpp validator …` — changing the validator set between separate organisations (docs/cli.md
 * "dpp validator", docs/protocol.md §4.4, ../../contracts/validators.ts). A change travels as a
 * request file (../../client/validatorChange.ts) from operator to operator:
 *
 *   request add | remove | rekey   whoever asks writes the request for the chain's current epoch:
 *                                  the joining validator's operator (add) signs it with the new key
 *                                  (its proof of possession) — from a key file, or from its
 *                                  organisation's folder (`--org`: the card's name and endpoint, the
 *                                  key store's key) — as does a validator's operator replacing its
 *                                  own key (rekey, with the new key file);
 *   approve                        each current validator's operator adds its approval (its
 *                                  consensus key, the slot of its key file) in place — a rekey is
 *                                  approved by the old key;
 *   submit                         the trading centre (a rekey: any member) sends it as
 *                                  `validator.change` once a quorum of the current set approved it;
 *   list                           the sets so far, the epochs' heights and the pending change;
 *   install                        an organisation whose validator joins after genesis writes, in its
 *                                  own folder, the validator key file (from its key store) and the
 *                                  node configuration for the slot the chain gives it
 *                                  (../validatorFiles.ts, shared with `dpp genesis install`).
 *
 * Every check the contract makes that can be made before sending is made here first (a pending
 * change, a name or key in use, a stale epoch, too few or invalid approvals), so a mistake is a
 * CliError that changes nothing. `request` and `approve` talk to a node only through its public
 * API (`--api`); `submit` acts as a member from a consortium folder (`--dir`/`--as`) or an
 * organisation's folder (`--org`, ../memberSession.ts).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { changeValidators } from '../../client/actions/changeValidators.ts';
import { NodeClient, type ValidatorSets } from '../../client/nodeClient.ts';
import { ORG_FILES } from '../../client/orgFolder.ts';
import {
  approvalsIn,
  approveChange,
  type ChangeRequest,
  changeRequestToJson,
  parseChangeRequest,
  requestChange,
} from '../../client/validatorChange.ts';
import { bytesEqual, toHex } from '../../codec/bytes.ts';
import { type OrgKeyPair, orgKeyPair } from '../../crypto/ed25519.ts';
import { systemRandom } from '../../crypto/scalars.ts';
import { isDppError } from '../../errors.ts';
import { faultTolerance, quorumSize } from '../../ledger/certificate.ts';
import { hostPortText, parseApiAddress, parseHostPort } from '../../ledger/endpoint.ts';
import { genesisState } from '../../ledger/genesis.ts';
import { isValidName, MEMBER_ROLES, type MemberRole } from '../../ledger/memberRecord.ts';
import { parseValidatorKeyFile, type ValidatorKey, writeValidatorKeyFile } from '../../ledger/networkKeys.ts';
import type { PeersFile } from '../../ledger/peersFile.ts';
import {
  activationHeight,
  type Epoch,
  type EpochValidator,
  type PendingChange,
  type ValidatorChange,
} from '../../ledger/validatorSet.ts';
import { parseNodeConfig } from '../../node/config.ts';
import { Consortium, DEFAULT_DIR } from '../consortium.ts';
import { loadGenesis } from '../genesisView.ts';
import { nodeOf, openMemberSession, type SessionOptions, sessionCommand } from '../memberSession.ts';
import { CliError, emit, plural, progress, receiptLine } from '../output.ts';
import { askPassphrase } from '../passphrase.ts';
import {
  type ConfigPeer,
  checkedPeers,
  type ListenOptions,
  listenAddresses,
  openOwnKeys,
  ownCard,
  peersOfFile,
  refuseOtherChain,
  refuseOtherKeyFile,
  validatorConfig,
  writeValidatorFiles,
} from '../validatorFiles.ts';

/** Options of `dpp validator request …`. */
interface RequestOptions {
  /** Required but for `add --org` (the card's). */
  readonly name?: string;
  readonly api: string;
  readonly out: string;
  /** `add`: the joining organisation's folder, instead of --name, --p2p and --key. */
  readonly org?: string;
  readonly p2p?: string;
  readonly key?: string;
  readonly newKey?: string;
  readonly force?: boolean;
  readonly json?: boolean;
}

/** Options of `dpp validator approve`. */
interface ApproveOptions {
  readonly key: string;
  readonly api?: string;
  readonly json?: boolean;
}

/** Options of `dpp validator install`. */
interface InstallOptions extends ListenOptions {
  readonly dir: string;
  readonly genesis: string;
  readonly peers: string;
  readonly api: string;
  readonly json?: boolean;
}

/** Options of `dpp validator list`. */
interface ListOptions {
  readonly api?: string;
  readonly dir: string;
  readonly genesis?: string;
  readonly json?: boolean;
}

/** Adds `dpp validator request | approve | install | submit | list`. */
export function register(program: Command): void {
  const validator = program
    .command('validator')
    .description(
      'change the validator set: request, approve and submit a validator.change; install a joining validator; list the sets',
    );
  const request = validator
    .command('request')
    .description('write a request file for a validator change, for the current validators to approve');
  const requestCommand = (cmd: Command, name = true) =>
    (name ? cmd.requiredOption('--name <name>', 'the validator’s name') : cmd)
      .requiredOption(
        '--api <url>',
        'a validator’s API, http(s)://host:port: the chain’s current set is read there',
      )
      .requiredOption('-o, --out <file>', 'the request file to write')
      .option('--force', 'replace --out when it exists (its approvals are lost)')
      .option('--json', 'print the result as JSON');
  requestCommand(
    request
      .command('add')
      .description('(the joining validator’s operator) ask to add a validator; its key signs the request')
      .option(
        '--org <dir>',
        'the joining organisation’s folder (`dpp keys new --validator`): name, p2p and key from its card and key store',
      )
      .option('--name <name>', 'the validator’s name (with --org: its card’s)')
      .option('--p2p <host:port>', 'where the other validators reach it (with --org: its card’s)')
      .option('--key <file>', 'its validator key file (dpp-validator-key; index: the slot it will have)')
      .addHelpText(
        'after',
        '\nGive --org, or --name, --p2p and --key. With --org the key store is opened with DPP_PASSPHRASE, or the passphrase asked on the terminal.',
      ),
    false,
  ).action((o: RequestOptions) => requestValidator('add', o));
  requestCommand(request.command('remove').description('ask to remove a validator')).action(
    (o: RequestOptions) => requestValidator('remove', o),
  );
  requestCommand(
    request
      .command('rekey')
      .description('(a validator’s operator) ask to replace its consensus key; the new key signs the request')
      .requiredOption('--new-key <file>', 'the new validator key file (index: the validator’s slot)'),
  ).action((o: RequestOptions) => requestValidator('rekey', o));
  validator
    .command('new-key')
    .description(
      '(a validator’s operator) make its next consensus key, beside its key file, for a rekey: `dpp node` takes it when the rekey takes effect',
    )
    .requiredOption('--config <file>', 'the validator’s node configuration')
    .option('--json', 'print the result as JSON')
    .action((o: NewKeyOptions) => newKey(o));
  validator
    .command('approve')
    .argument('<request>', 'the request file (approved in place)')
    .description('(a current validator’s operator) add this validator’s approval to a request')
    .requiredOption('--key <file>', 'this validator’s key file (its index is its slot); a rekey: the old key')
    .option(
      '--api <url>',
      'a validator’s API: check the request and count its approvals against the current set',
    )
    .option('--json', 'print the result as JSON')
    .action((file: string, o: ApproveOptions) => approve(file, o));
  validator
    .command('install')
    .description(
      '(an organisation whose validator joins after genesis) write its validator key file and node configuration for the slot the chain gives it',
    )
    .requiredOption('-d, --dir <dir>', 'the organisation’s folder (made by `dpp keys new --validator`)')
    .requiredOption('--genesis <file>', 'the chain’s genesis.json')
    .requiredOption('--peers <file>', 'the peers.json assembled with it (the genesis validators’ endpoints)')
    .requiredOption(
      '--api <url>',
      'a validator’s API, http(s)://host:port: the validator sets (its slot, its peers) are read there',
    )
    .option(
      '--p2p-listen <host:port>',
      'where the validator listens for validators (default: its card’s p2p endpoint)',
    )
    .option(
      '--api-listen <host:port>',
      'where its API listens (default: the host and port of its card’s API)',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nThe key store is opened with DPP_PASSPHRASE, or the passphrase asked on the terminal.',
    )
    .action((o: InstallOptions) => install(o));
  sessionCommand(
    validator
      .command('submit')
      .argument('<request>', 'the approved request file')
      .description('(the trading centre; a rekey: any member) send an approved request as validator.change'),
  ).action((file: string, o: SessionOptions) => submit(file, o));
  validator
    .command('list')
    .description('the validator sets so far (epochs and the heights they certify) and the pending change')
    .option(
      '--api <url>',
      'a validator’s API, http(s)://host:port (default: the consortium folder’s trading centre’s)',
    )
    .option('-d, --dir <dir>', 'consortium folder (made by `dpp init`)', DEFAULT_DIR)
    .option(
      '--genesis <file>',
      'with --api: the chain’s genesis.json, to prove each set from the genesis keys',
    )
    .option('--json', 'print the result as JSON')
    .action((o: ListOptions) => list(o));
}

// ---------------------------------------------------------------------------------------------
// new-key

/** Options of `dpp validator new-key`. */
interface NewKeyOptions {
  readonly config: string;
  readonly json?: boolean;
}

/**
 * `dpp validator new-key`: a fresh consensus key for the validator the configuration runs, written
 * (mode 0600) at `<keyPath>.next` with the same chain, slot and name — where `dpp node` looks for it
 * when a rekey of its slot takes effect (docs/deploy.md "Adding and removing validators").
 */
async function newKey(o: NewKeyOptions): Promise<void> {
  const { loadNodeConfig } = await import('../../node/config.ts');
  const { nextKeyPath } = await import('../../node/bootstrap.ts');
  const config = loadNodeConfig(o.config);
  const current = readKeyFile(config.keyPath);
  const next = nextKeyPath(config);
  // [REFUSE] a next key already waiting: replacing it could lose the key a pending rekey names
  if (existsSync(next))
    throw new CliError(
      'CLI_FILE_EXISTS',
      `${next} exists: a next key is already waiting; nothing was written`,
      'a rekey that names it may be pending (dpp validator list); remove the file yourself only if none does',
    );
  const seed = systemRandom(32);
  const key = orgKeyPair(seed);
  writeValidatorKeyFile(next, current.chainId, { index: current.index, name: current.name, key, seed });
  emit(
    o.json === true,
    { file: next, slot: current.index, name: current.name, publicKey: toHex(key.publicKey) },
    () => {
      console.log(
        `${pc.green('✓')} the next consensus key of ${current.name} (slot ${current.index}) is in ${next}`,
      );
      console.log(`  public key ${toHex(key.publicKey)}`);
      console.log(
        `  next: dpp validator request rekey --name ${current.name} --new-key ${next} --api <a validator’s API> --out rekey.json`,
      );
      console.log(
        `        dpp validator approve rekey.json --key ${config.keyPath}   (the current key approves)`,
      );
      console.log(
        '        dpp validator submit rekey.json …   (any member); at its activation the validator restarts on the new key',
      );
    },
  );
}

// ---------------------------------------------------------------------------------------------
// request

async function requestValidator(type: ValidatorChange['type'], o: RequestOptions): Promise<void> {
  const joining = type === 'add' ? joiningValidator(o) : undefined;
  const name = joining?.name ?? o.name ?? '';
  if (!isValidName(name))
    throw new CliError(
      'CLI_BAD_NAME',
      `--name must be a validator name (lower-case letters, digits, '.', '-'; at most 64), got "${name}"`,
      'e.g. --name validator-gen-c',
    );
  const out = resolve(o.out);
  if (existsSync(out) && o.force !== true)
    throw new CliError(
      'CLI_FILE_EXISTS',
      `${o.out} exists: nothing was written`,
      'name another file, or add --force to replace it (the approvals it holds are lost)',
    );
  const p2p = joining?.p2p ?? '';
  const newKey =
    joining?.key ?? (type === 'rekey' && o.newKey !== undefined ? keyOfFile(o.newKey) : undefined);
  const node = await readNode(o.api);
  if (newKey !== undefined && newKey.chainId !== node.chainId)
    throw new CliError(
      'CLI_WRONG_CHAIN',
      `${newKey.shown} is a key of chain ${newKey.chainId}; ${o.api} runs chain ${node.chainId}: nothing was written`,
      'use the key made for this chain, or the API of one of its validators',
    );
  const { current } = noPending(node.sets, node.height);
  const named = current.validators.find((v) => v.name === name);
  let slot: number;
  let change: ValidatorChange;
  if (type === 'add') {
    if (named !== undefined)
      throw new CliError(
        'CLI_EXISTS',
        `validator ${name} exists (slot ${named.slot}): nothing was written`,
        'choose another --name (`dpp validator list` shows the set)',
      );
    slot = nextSlot(node.sets.epochs);
    change = { type, name, publicKey: newKey!.publicKey, p2p };
  } else {
    if (named === undefined)
      throw new CliError(
        'CLI_UNKNOWN_VALIDATOR',
        `${name} is not a validator of epoch ${current.number}: nothing was written`,
        `its validators are ${current.validators.map((v) => v.name).join(', ')}`,
      );
    slot = named.slot;
    if (type === 'remove') {
      if (current.validators.length === 1)
        throw new CliError('CLI_LAST_VALIDATOR', `${name} is the last validator: it cannot be removed`);
      change = { type, name };
    } else {
      change = { type, name, publicKey: newKey!.publicKey };
    }
  }
  if (newKey !== undefined) {
    // [REFUSE] a key file of another slot: the validator would run as another one (its index is its
    // slot); an organisation's folder has no key file yet (`dpp validator install` writes it, with the slot)
    if (newKey.index !== null && newKey.index !== slot)
      throw new CliError(
        'CLI_WRONG_SLOT',
        `${newKey.shown} is validator ${newKey.index}'s key file; ${name} ${type === 'add' ? 'will have' : 'has'} slot ${slot}: nothing was written`,
        `the validator runs as slot ${slot}: its key file (and its configuration's validatorIndex) must say index ${slot} — the key itself may stay`,
      );
    // [REFUSE] a key any validator used (the contract refuses it: CONTRACT_EXISTS)
    const user = keyUser(node.sets.epochs, newKey.publicKey);
    if (user !== undefined)
      throw new CliError(
        'CLI_KEY_IN_USE',
        `${newKey.shown}'s key is or was ${user}'s: a validator key is used once, nothing was written`,
        'make a new key for it',
      );
  }
  const r = requestChange(node.chainId, current.number, change, await newKey?.open());
  writeAtomically(out, changeRequestToJson(r));
  const needs = needed(r, current);
  emit(
    o.json === true,
    {
      file: out,
      chainId: r.chainId,
      epoch: r.epoch,
      change: r.change.type,
      name: r.change.name,
      slot,
      publicKey: r.change.type === 'remove' ? null : r.change.publicKey,
      p2p: r.change.type === 'add' ? r.change.p2p : null,
      approvalsNeeded: needs.count,
      approvers: needs.slots,
    },
    () => {
      console.log(
        `${pc.green('✓')} request to ${changeWords(r.change, slot)} in epoch ${r.epoch} of chain ${r.chainId}${r.proof === null ? '' : ', signed by the new key'}: ${o.out}`,
      );
      if (r.change.type !== 'remove') console.log(`  key      ${toHex(r.change.publicKey)}`);
      if (r.change.type === 'add') console.log(`  p2p      ${r.change.p2p}`);
      console.log(`  needs    ${needs.words}`);
      const approveLine = `\`dpp validator approve ${o.out} --key <${r.change.type === 'rekey' ? 'old' : 'its'} validator key file> --api ${o.api}\``;
      console.log(
        r.change.type === 'rekey'
          ? `next: ${name}'s operator approves it with the old key file: ${approveLine}; then any member runs \`dpp validator submit ${o.out}\``
          : `next: send ${o.out} to the current validators' operators; each runs ${approveLine}; then the trading centre runs \`dpp validator submit ${o.out}\``,
      );
    },
  );
}

// ---------------------------------------------------------------------------------------------
// approve

async function approve(file: string, o: ApproveOptions): Promise<void> {
  const before = readRequest(file);
  const key = readKeyFile(o.key);
  if (key.chainId !== before.chainId)
    throw new CliError(
      'CLI_WRONG_CHAIN',
      `${o.key} is a key of chain ${key.chainId}; the request is for chain ${before.chainId}: nothing was signed`,
      'approve with this validator’s key file of that chain',
    );
  const slot = key.index;
  let current: Epoch | undefined;
  if (o.api !== undefined) {
    const node = await readNode(o.api);
    if (node.chainId !== before.chainId)
      throw new CliError(
        'CLI_WRONG_CHAIN',
        `the request is for chain ${before.chainId}; ${o.api} runs chain ${node.chainId}: nothing was signed`,
        'give the API of one of that chain’s validators',
      );
    current = noPending(node.sets, node.height).current;
    sameEpoch(before, current);
    const mine = current.validators.find((v) => v.slot === slot);
    // [REFUSE] a key that is not a current validator's: its approval would not count
    if (mine === undefined || !bytesEqual(mine.publicKey, key.key.publicKey))
      throw new CliError(
        'CLI_NOT_A_VALIDATOR',
        mine === undefined
          ? `${o.key} is the key of slot ${slot}, which is not a validator of epoch ${current.number}: nothing was signed`
          : `${o.key} is not the key validator ${mine.name} (slot ${slot}) has in epoch ${current.number}: nothing was signed`,
        before.change.type === 'rekey'
          ? 'a rekey is approved with the validator’s current (old) key file'
          : 'approve with the key file of a validator of the current set (`dpp validator list`)',
      );
    if (before.change.type === 'rekey' && mine.name !== before.change.name)
      throw new CliError(
        'CLI_WRONG_APPROVER',
        `a rekey of ${before.change.name} is approved by its own current key, not ${mine.name}'s: nothing was signed`,
        `approve with ${before.change.name}'s current key file`,
      );
  }
  const replaced = before.approvals.some((a) => a.slot === slot);
  const after = approveChange(before, slot, key.key);
  writeAtomically(file, changeRequestToJson(after));
  const count = current === undefined ? undefined : countApprovals(after, current);
  emit(
    o.json === true,
    {
      file: resolve(file),
      slot,
      replaced,
      approvals: after.approvals.map((a) => a.slot),
      ...(count === undefined
        ? { checked: false }
        : {
            checked: true,
            valid: count.valid,
            invalid: count.invalid,
            needed: count.needed,
            ready: count.ready,
          }),
    },
    () => {
      console.log(
        `${pc.green('✓')} approved as slot ${slot}${replaced ? ' (replacing its earlier approval)' : ''}: ${file} holds ${plural(after.approvals.length, 'approval')} (slots ${after.approvals.map((a) => a.slot).join(', ')})`,
      );
      if (count === undefined) {
        console.log(
          `  ${needed(after).words}; add --api <url> to check the approvals against the current set`,
        );
        return;
      }
      for (const s of count.invalid)
        console.log(
          pc.yellow(
            `  slot ${s}'s approval does not verify against epoch ${current!.number}: its operator approves again (\`dpp validator approve ${file} --key …\`)`,
          ),
        );
      console.log(`  ${count.words}`);
      if (count.ready) console.log(`next: ${submitter(after.change)} runs \`dpp validator submit ${file}\``);
    },
  );
}

// ---------------------------------------------------------------------------------------------
// install

/** Where the validator being installed stands on chain. */
type Placement =
  | { readonly status: 'active'; readonly slot: number }
  | { readonly status: 'pending'; readonly slot: number; readonly activation: bigint }
  | { readonly status: 'not requested'; readonly slot: number };

/**
 * `dpp validator install`: an organisation whose validator joins after genesis gets, in its own
 * folder, what `dpp genesis install` gives a genesis validator — copies of genesis.json and
 * peers.json, the validator key file from its key store and the node configuration — for the slot
 * the chain gives the validator: the one it has, the pending addition's, or the next one when no
 * request was made yet (then the command says to run it again if another validator is added first).
 * Its peers are the current validators (and a pending addition): the genesis ones at their
 * peers.json endpoints, those added later at the endpoint their `validator.change` put on chain.
 * What the node's API says is taken on its word: a wrong slot or set only makes `dpp node` refuse
 * to start, since it checks its key against the set its own chain (restored, and audited against
 * the genesis keys) holds.
 */
async function install(o: InstallOptions): Promise<void> {
  const dir = resolve(o.dir);
  const card = ownCard(dir, o.dir);
  const v = card.validator;
  if (v === undefined)
    throw new CliError(
      'CLI_NO_VALIDATOR',
      `${o.dir}'s card declares no validator: nothing was written`,
      'an organisation that runs a validator makes its folder with `dpp keys new … --validator <name> --p2p <host:port>`',
    );
  const { text: genesisText, genesis } = loadGenesis(o.genesis);
  if (genesis.chainId !== card.chainId)
    throw new CliError(
      'CLI_WRONG_CHAIN',
      `${o.dir}'s card is for chain ${card.chainId}, ${o.genesis} for chain ${genesis.chainId}: nothing was written`,
      'give the genesis of the organisation’s own chain',
    );
  const hash = genesisState(genesis).hash;
  const peersRead = checkedPeers(genesis, o.peers);
  // [REFUSE] a validator of the genesis: its genesis index is its slot, `dpp genesis install` its command
  const inGenesis = genesis.validators.findIndex((x) => x.name === v.name);
  if (inGenesis >= 0)
    throw new CliError(
      'CLI_IN_GENESIS',
      `${v.name} is validator ${inGenesis} of the genesis: nothing was written`,
      `install it with \`dpp genesis install ${o.genesis} --dir ${o.dir} --peers ${o.peers}\``,
    );
  const listen = listenAddresses(card, o);
  const node = await readNode(o.api);
  if (node.chainId !== genesis.chainId)
    throw new CliError(
      'CLI_WRONG_CHAIN',
      `${o.api} runs chain ${node.chainId}, the genesis is of chain ${genesis.chainId}: nothing was written`,
      'give the API of one of this chain’s validators',
    );
  const placed = placement(v, node.sets, o.dir);
  const peers = currentPeers(node.sets, peersRead.peers, placed.slot);
  const config = validatorConfig(genesis.chainId, placed.slot, peers.all, listen, card.role);
  // [REFUSE] a configuration the node would not load (checked as `dpp node` checks it)
  parseNodeConfig(config, dir);
  refuseOtherChain(dir, o.dir, hash);

  const passphrase = await askPassphrase(`${card.id}'s key store`);
  const keys = openOwnKeys(dir, o.dir, card, passphrase);
  // [REFUSE] a key file of another key (a rekey's new one): never overwritten
  refuseOtherKeyFile(dir, o.dir, keys.validatorSeed!);
  // every check passed: now write
  writeFileSync(join(dir, ORG_FILES.genesis), genesisText);
  writeFileSync(join(dir, ORG_FILES.peers), peersRead.text);
  const written = [
    ORG_FILES.genesis,
    ORG_FILES.peers,
    ...writeValidatorFiles(dir, genesis.chainId, card, keys, placed.slot, config),
  ];
  const configPath = join(o.dir, ORG_FILES.validatorConfig);
  const next =
    placed.status === 'not requested'
      ? [
          `next: ask for its addition: dpp validator request add --org ${o.dir} --api ${o.api} --out <request.json>`,
          `      (slot ${placed.slot} is the next one: if another validator is added first, run this install again)`,
        ]
      : [
          `next: ${placed.status === 'pending' ? `once the chain is past height ${placed.activation}, ` : ''}take a snapshot with its own key, restore it and start it:`,
          `        dpp node backup --config ${configPath} --api ${o.api} --out <a new folder>`,
          `        dpp node restore --config ${configPath} --from <that folder>`,
          `        dpp node --config ${configPath}`,
        ];
  emit(
    o.json === true,
    {
      dir,
      chainId: genesis.chainId,
      genesisHash: toHex(hash),
      member: card.id,
      role: card.role,
      files: written.map((f) => join(dir, f)),
      validator: {
        name: v.name,
        slot: placed.slot,
        status: placed.status,
        activation: placed.status === 'pending' ? placed.activation : null,
        config: join(dir, ORG_FILES.validatorConfig),
        p2pListen: hostPortText(listen.p2p),
        apiListen: hostPortText(listen.api),
        peers: peers.all.map((p) => p.index),
      },
      next: next.map((l) => l.trim()),
    },
    () => {
      const where =
        placed.status === 'active'
          ? `in the current set (epoch ${node.sets.epochs.at(-1)!.number})`
          : placed.status === 'pending'
            ? `joining: its addition takes effect at the end of block ${placed.activation}`
            : 'not requested yet: the slot the next added validator gets';
      console.log(
        `${pc.green('✓')} ${v.name} of ${card.id} installed in ${o.dir} as validator ${placed.slot} of chain ${pc.bold(genesis.chainId)} — ${where}`,
      );
      console.log(
        `  wrote ${written.join(', ')} (${ORG_FILES.validatorKey}: secret, mode 0600, from ${ORG_FILES.keyStore})`,
      );
      console.log(
        `  validator ${placed.slot}: listens for validators on ${hostPortText(listen.p2p)}, API on ${hostPortText(listen.api)}; dials ${plural(peers.all.length, 'peer')} (${peers.fromFile} at their peers.json endpoints, ${peers.onChain} at their on-chain ones)`,
      );
      for (const line of next) console.log(pc.dim(line));
    },
  );
}

/** Where validator `v` (its name and key, from its card) stands in `sets`; refusals for a name or key of another. */
function placement(
  v: { readonly name: string; readonly publicKey: Uint8Array },
  sets: ValidatorSets,
  shown: string,
): Placement {
  const current = sets.epochs.at(-1)!;
  const p = sets.pending;
  const named = current.validators.find((x) => x.name === v.name);
  if (named !== undefined) {
    // [REFUSE] the name with another key: another organisation's validator, or this one re-keyed
    // (its store keeps the old key: the node took the new one from <keyPath>.next)
    if (!bytesEqual(named.publicKey, v.publicKey))
      throw new CliError(
        'CLI_KEY_MISMATCH',
        `validator ${v.name} (slot ${named.slot}) has another key on chain than ${shown}'s card: nothing was written`,
        'another organisation runs a validator of that name, or this one was re-keyed since: its key file is the one its node runs with',
      );
    return { status: 'active', slot: named.slot };
  }
  if (p !== null && p.change.type === 'add' && p.change.name === v.name) {
    if (!bytesEqual(p.change.publicKey, v.publicKey))
      throw new CliError(
        'CLI_KEY_MISMATCH',
        `the pending addition of ${v.name} (slot ${p.slot}) is of another key than ${shown}'s card: nothing was written`,
        'another organisation asked for a validator of that name: choose another name (a new `dpp keys new --validator`)',
      );
    return { status: 'pending', slot: p.slot, activation: p.activation };
  }
  // [REFUSE] a key a validator used before (removed since): the contract never accepts it again
  const user = keyUser(sets.epochs, v.publicKey);
  if (user !== undefined)
    throw new CliError(
      'CLI_KEY_IN_USE',
      `${shown}'s validator key was ${user}'s, removed since: a validator key is used once, nothing was written`,
      'to run a validator again, make a new one (`dpp keys new --validator` in a new folder) and ask for its addition',
    );
  const after = p !== null && p.change.type === 'add' ? p.slot + 1 : 0;
  return { status: 'not requested', slot: Math.max(nextSlot(sets.epochs), after) };
}

/**
 * The validators a new one dials: the current set and a pending addition, but itself — the genesis
 * ones at their peers.json endpoints (with their APIs, which `dpp node restore` asks), the others at
 * the endpoint on chain.
 */
function currentPeers(
  sets: ValidatorSets,
  file: PeersFile,
  slot: number,
): { all: ConfigPeer[]; fromFile: number; onChain: number } {
  const fromFile = new Map(peersOfFile(file).map((p) => [p.index, p]));
  const p = sets.pending;
  const members = [
    ...sets.epochs.at(-1)!.validators,
    ...(p !== null && p.change.type === 'add' ? [{ slot: p.slot, p2p: p.change.p2p }] : []),
  ];
  const all: ConfigPeer[] = [];
  let known = 0;
  for (const m of members) {
    if (m.slot === slot) continue;
    const f = fromFile.get(m.slot);
    if (f !== undefined) {
      all.push(f);
      known++;
    } else if (m.p2p !== '') all.push({ index: m.slot, p2p: m.p2p });
  }
  return { all, fromFile: known, onChain: all.length - known };
}

// ---------------------------------------------------------------------------------------------
// submit

async function submit(file: string, o: SessionOptions): Promise<void> {
  const r = readRequest(file);
  const roles: readonly MemberRole[] = r.change.type === 'rekey' ? MEMBER_ROLES : ['trading-centre'];
  const doWhat = `${r.change.type === 'add' ? 'add' : r.change.type === 'remove' ? 'remove' : 're-key'} a validator`;
  const url = await sessionNode(o, roles, doWhat);
  const node = await readNode(url);
  if (node.chainId !== r.chainId)
    throw new CliError(
      'CLI_WRONG_CHAIN',
      `the request is for chain ${r.chainId}; the node (${url}) runs chain ${node.chainId}: nothing was sent`,
      'submit it from the folder of a member of that chain',
    );
  // the contract's checks, before anything is signed
  const pending = node.sets.pending;
  if (pending !== null && sameChange(pending.change, r.change))
    throw new CliError(
      'CLI_ALREADY_SUBMITTED',
      `this change is committed already: ${changeWords(pending.change, pending.slot)}, pending until the end of block ${pending.activation}; nothing was sent`,
      '`dpp validator list` shows it',
    );
  const { current } = noPending(node.sets, node.height);
  const named = current.validators.find((v) => v.name === r.change.name);
  if (r.change.type === 'add' && named !== undefined)
    throw new CliError('CLI_EXISTS', `validator ${r.change.name} exists: nothing was sent`);
  if (r.change.type !== 'add' && named === undefined)
    throw new CliError(
      'CLI_UNKNOWN_VALIDATOR',
      `${r.change.name} is not a validator of epoch ${current.number}: nothing was sent`,
    );
  sameEpoch(r, current);
  const count = countApprovals(r, current);
  if (count.invalid.length > 0)
    throw new CliError(
      'CLI_BAD_APPROVAL',
      `the approval${count.invalid.length === 1 ? '' : 's'} of slot${count.invalid.length === 1 ? '' : 's'} ${count.invalid.join(', ')} do${count.invalid.length === 1 ? 'es' : ''} not verify against epoch ${current.number}: nothing was sent`,
      `their operators approve again (\`dpp validator approve ${file} --key <its validator key file>\`): a signature by another key, or of an altered request, counts for nothing`,
    );
  if (!count.ready)
    throw new CliError(
      'CLI_TOO_FEW_APPROVALS',
      `${count.short}: nothing was sent`,
      r.change.type === 'rekey'
        ? `${r.change.name}'s operator approves it with the old key file: \`dpp validator approve ${file} --key <old key file>\``
        : `collect ${count.missing} more: a current validator's operator runs \`dpp validator approve ${file} --key <its validator key file>\``,
    );
  const s = await openMemberSession(o, roles, doWhat);
  const p = progress();
  p.update(`sending validator.change (${r.change.type} ${r.change.name})`);
  let receipt: Awaited<ReturnType<typeof changeValidators>>;
  try {
    receipt = await changeValidators(s.client(p), r);
  } catch (err) {
    // the node says it committed, but the client cannot prove it (docs/cli.md "dpp validator")
    if (isDppError(err, 'CLIENT_PROOF_INVALID'))
      throw new CliError(
        'CLI_NOT_PROVEN',
        err.message,
        '`dpp validator list --api <a validator’s API> --genesis <genesis.json>` shows the sets a node reports and whether they follow from the genesis: compare another validator’s before trusting this one',
      );
    throw err;
  } finally {
    p.done();
  }
  // the chain's rule (../../ledger/validatorSet.ts): pending until the end of the first checkpoint above its block
  const activation = activationHeight(receipt.height);
  const slot = named?.slot ?? nextSlot(node.sets.epochs);
  const size =
    current.validators.length + (r.change.type === 'add' ? 1 : r.change.type === 'remove' ? -1 : 0);
  const next = nextSteps(r.change, slot, activation, size, url);
  emit(
    o.json === true,
    {
      change: r.change.type,
      name: r.change.name,
      slot,
      epoch: current.number,
      activation,
      validatorsAfter: size,
      quorumAfter: quorumSize(size),
      next: next.map((l) => l.trim()),
      receipt,
    },
    () => {
      console.log(receiptLine(receipt));
      console.log(
        `  ${changeWords(r.change, slot)}: pending until the end of block ${activation}; from block ${activation + 1n} on, ${plural(size, 'validator')} certify (a commit needs ${quorumSize(size)})`,
      );
      for (const line of next) console.log(line);
    },
  );
}

/** What the operators do once a change is committed. */
function nextSteps(
  c: ValidatorChange,
  slot: number,
  activation: bigint,
  size: number,
  api: string,
): string[] {
  const after = `height ${activation}`;
  if (c.type === 'add')
    return [
      `next: once the chain is past ${after}, ${c.name}'s operator starts it (slot ${slot}) from a snapshot:`,
      `        dpp node backup --config <its config> --api ${api} --out <a new folder>`,
      '        dpp node restore --config <its config> --from <that folder>',
      '        dpp node --config <its config>',
      `      until it votes, a commit needs ${quorumSize(size)} of the other ${size - 1}: keep them up`,
    ];
  if (c.type === 'remove')
    return [
      `next: after ${after}, ${c.name} stops by itself (its operator may then shut it down and keep its data);`,
      `      the other validators dial it no more`,
    ];
  return [
    `next: before ${after}, ${c.name}'s operator puts the new key file beside its key file, named <keyPath>.next`,
    `      (e.g. validator.key.json.next); after block ${activation} the validator stops (exit code 75), and started`,
    '      again it takes that file as its key file (the old one kept as <keyPath>.retired) and votes with it',
  ];
}

// ---------------------------------------------------------------------------------------------
// list

async function list(o: ListOptions): Promise<void> {
  let url: string;
  let genesis: { chainId: string; validatorKeys: readonly Uint8Array[] } | undefined;
  if (o.api !== undefined) {
    url = checkedApi(o.api, '--api');
    if (o.genesis !== undefined) {
      const g = loadGenesis(o.genesis).genesis;
      genesis = { chainId: g.chainId, validatorKeys: g.validators.map((v) => v.publicKey) };
    }
  } else {
    const c = await Consortium.load({ dir: o.dir });
    url = c.nodeUrl(c.tradingCentre());
    genesis = { chainId: c.file.chainId, validatorKeys: c.validatorKeys };
  }
  const node = await readNode(url);
  if (genesis !== undefined && genesis.chainId !== node.chainId)
    throw new CliError(
      'CLI_WRONG_CHAIN',
      `the genesis is of chain ${genesis.chainId}; ${url} runs chain ${node.chainId}`,
      'give the genesis of the node’s chain',
    );
  // with the genesis keys, each later set is proven by the previous one's certificate of its activation block
  let proven: { ok: true } | { ok: false; why: string } | null = null;
  if (genesis !== undefined) {
    try {
      await new NodeClient(url, { genesis }).certifiedEpochs();
      proven = { ok: true };
    } catch (err) {
      if (!isDppError(err)) throw err;
      proven = { ok: false, why: err.message };
    }
  }
  const { epochs, pending } = node.sets;
  const current = epochs.at(-1)!;
  const n = current.validators.length;
  emit(
    o.json === true,
    {
      chainId: node.chainId,
      height: node.height,
      epoch: current.number,
      validators: current.validators,
      quorum: quorumSize(n),
      faultTolerance: faultTolerance(n),
      epochs: epochs.map((e, i) => ({
        number: e.number,
        base: e.base,
        firstHeight: e.base + 1n,
        lastHeight: epochs[i + 1]?.base ?? null,
        validators: e.validators,
        change: i === 0 ? null : changeBetween(epochs[i - 1]!, e),
      })),
      pending: pending === null ? null : pendingJson(pending),
      proven: proven === null ? null : proven.ok,
      ...(proven !== null && !proven.ok ? { notProven: proven.why } : {}),
    },
    () => {
      console.log(
        `validators of chain ${node.chainId} at height ${node.height}: epoch ${current.number}, ${plural(n, 'validator')} (a commit needs ${quorumSize(n)}; tolerates ${plural(faultTolerance(n), 'faulty validator')})`,
      );
      for (const v of current.validators)
        console.log(
          `  ${String(v.slot).padStart(4)}  ${v.name.padEnd(20)} ${toHex(v.publicKey).slice(0, 16)}…  ${v.p2p === '' ? pc.dim('(endpoint from the configurations)') : v.p2p}`,
        );
      console.log('epochs');
      epochs.forEach((e, i) => {
        const last = epochs[i + 1]?.base;
        const heights = `heights ${e.base + 1n}–${last ?? ''}`;
        const how = i === 0 ? 'genesis' : changeBetween(epochs[i - 1]!, e);
        console.log(
          `  #${String(e.number).padEnd(3)} ${heights.padEnd(20)} ${plural(e.validators.length, 'validator').padEnd(14)} ${how}`,
        );
      });
      console.log(
        pending === null
          ? 'pending  none'
          : `pending  ${changeWords(pending.change, pending.slot)}: takes effect at the end of block ${pending.activation}`,
      );
      if (proven !== null)
        console.log(
          proven.ok
            ? `${pc.green('✓')} each set proven from the genesis keys: the previous set certified the block that ended its epoch`
            : pc.yellow(`! the sets could not be proven from the genesis keys: ${proven.why}`),
        );
    },
  );
}

// ---------------------------------------------------------------------------------------------
// helpers

/** A node's chain id, height and validator sets, through its public API. */
async function readNode(api: string): Promise<{ chainId: string; height: bigint; sets: ValidatorSets }> {
  const client = new NodeClient(checkedApi(api, '--api'), { timeoutMs: 10_000, busyTimeoutMs: 10_000 });
  const status = await client.status();
  return { chainId: status.chainId, height: BigInt(status.height), sets: await client.validatorSets() };
}

function checkedApi(url: string, option: string): string {
  if (parseApiAddress(url) === null)
    throw new CliError(
      'CLI_BAD_ENDPOINT',
      `${option} must be http://host:port or https://host:port, got "${url}"`,
      `e.g. ${option} http://127.0.0.1:7401`,
    );
  return url;
}

/** The current epoch; CLI_CHANGE_PENDING while a change waits for its activation block. */
function noPending(sets: ValidatorSets, height: bigint): { current: Epoch } {
  const current = sets.epochs.at(-1)!;
  const p = sets.pending;
  // [REFUSE] one change at a time: the contract refuses another while one is pending, and
  // approvals are bound to the epoch, which the pending one ends
  if (p !== null)
    throw new CliError(
      'CLI_CHANGE_PENDING',
      `a validator change is pending (${changeWords(p.change, p.slot)}) until the end of block ${p.activation}; the chain is at ${height}: nothing was done`,
      `once the chain is past height ${p.activation}, make the request anew for epoch ${current.number + 1} (\`dpp validator list\` shows the sets)`,
    );
  return { current };
}

/** CLI_STALE_REQUEST when `r` was made for another epoch than `current`. */
function sameEpoch(r: ChangeRequest, current: Epoch): void {
  if (r.epoch !== current.number)
    throw new CliError(
      'CLI_STALE_REQUEST',
      `the request is for epoch ${r.epoch}; the chain is in epoch ${current.number}: its signatures are bound to epoch ${r.epoch} and count for nothing now`,
      `make a new request (\`dpp validator request ${r.change.type} …\`) and have it approved again`,
    );
}

/** The slot an added validator gets: one above every slot any epoch used. */
function nextSlot(epochs: readonly Epoch[]): number {
  return Math.max(...epochs.flatMap((e) => e.validators.map((v) => v.slot))) + 1;
}

/** The validator that holds or held `key`, if any. */
function keyUser(epochs: readonly Epoch[], key: Uint8Array): string | undefined {
  for (const e of epochs) for (const v of e.validators) if (bytesEqual(v.publicKey, key)) return v.name;
  return undefined;
}

/** How many approvals `r` needs, in words (with `current`, counted against it). */
function needed(
  r: ChangeRequest,
  current?: Epoch,
): { words: string; count: number | null; slots: number[] | null } {
  if (r.change.type === 'rekey') {
    const slot = current?.validators.find((v) => v.name === r.change.name)?.slot;
    return {
      words: `the approval of ${r.change.name}'s current (old) key${slot === undefined ? '' : ` (slot ${slot})`}`,
      count: 1,
      slots: slot === undefined ? null : [slot],
    };
  }
  if (current === undefined)
    return { words: `approvals of a quorum of the current validators`, count: null, slots: null };
  const n = current.validators.length;
  return {
    words: `approvals of ${quorumSize(n)} of the ${n} validators of epoch ${current.number} (slots ${current.validators.map((v) => v.slot).join(', ')})`,
    count: quorumSize(n),
    slots: current.validators.map((v) => v.slot),
  };
}

/** `r`'s approvals counted against `current`, as the contract counts them. */
function countApprovals(
  r: ChangeRequest,
  current: Epoch,
): {
  valid: number[];
  invalid: number[];
  needed: number;
  missing: number;
  ready: boolean;
  /** What is there and what is needed. */
  short: string;
  /** …and what is missing. */
  words: string;
} {
  const { valid, invalid } = approvalsIn(r, current);
  if (r.change.type === 'rekey') {
    const slot = current.validators.find((v) => v.name === r.change.name)?.slot;
    const ready = slot !== undefined && valid.includes(slot);
    const words = ready
      ? `${r.change.name}'s current key approved it: ready to submit`
      : `a rekey needs the approval of ${r.change.name}'s current key${slot === undefined ? '' : ` (slot ${slot})`}, which it lacks`;
    return { valid, invalid, needed: 1, missing: ready ? 0 : 1, ready, short: words, words };
  }
  const n = current.validators.length;
  const q = quorumSize(n);
  const missing = Math.max(0, q - valid.length);
  const counted = `${plural(valid.length, 'valid approval')}${valid.length === 0 ? '' : ` (slots ${valid.join(', ')})`}`;
  const rule = `${r.change.type === 'add' ? 'adding' : 'removing'} a validator needs ${q} of the ${n} validators of epoch ${current.number}`;
  return {
    valid,
    invalid,
    needed: q,
    missing,
    ready: missing === 0,
    short: `${counted}; ${rule}`,
    words: `${counted}; ${rule}${missing === 0 ? ': ready to submit' : `: ${missing} more`}`,
  };
}

/** "add validator-4 (slot 4)" and the like. */
function changeWords(c: ValidatorChange, slot: number): string {
  if (c.type === 'add')
    return `add ${c.name} (slot ${slot}, key ${toHex(c.publicKey).slice(0, 16)}…, p2p ${c.p2p})`;
  if (c.type === 'remove') return `remove ${c.name} (slot ${slot})`;
  return `re-key ${c.name} (slot ${slot}) to ${toHex(c.publicKey).slice(0, 16)}…`;
}

/** The same change (type, name, key, endpoint). */
function sameChange(a: ValidatorChange, b: ValidatorChange): boolean {
  if (a.type !== b.type || a.name !== b.name) return false;
  if (a.type === 'remove' || b.type === 'remove') return true;
  return bytesEqual(a.publicKey, b.publicKey) && (a.type !== 'add' || b.type !== 'add' || a.p2p === b.p2p);
}

/** Who sends a change. */
function submitter(c: ValidatorChange): string {
  return c.type === 'rekey' ? 'any member' : 'the trading centre';
}

/** How `next` differs from `prev` (one change, as the chain makes them). */
function changeBetween(prev: Epoch, next: Epoch): string {
  const had = (v: EpochValidator, e: Epoch) => e.validators.find((w) => w.slot === v.slot);
  const added = next.validators.filter((v) => had(v, prev) === undefined);
  const removed = prev.validators.filter((v) => had(v, next) === undefined);
  const rekeyed = next.validators.filter((v) => {
    const w = had(v, prev);
    return w !== undefined && !bytesEqual(w.publicKey, v.publicKey);
  });
  return [
    ...added.map((v) => `added ${v.name} (slot ${v.slot})`),
    ...removed.map((v) => `removed ${v.name} (slot ${v.slot})`),
    ...rekeyed.map((v) => `re-keyed ${v.name} (slot ${v.slot})`),
  ].join(', ');
}

function pendingJson(p: PendingChange) {
  const c = p.change;
  return {
    activation: p.activation,
    type: c.type,
    slot: p.slot,
    name: c.name,
    publicKey: c.type === 'remove' ? null : c.publicKey,
    p2p: c.type === 'add' ? c.p2p : null,
  };
}

/** The key a request adds or re-keys to. */
interface NewKey {
  /** The key file or organisation folder it comes from, as the user named it. */
  readonly shown: string;
  readonly chainId: string;
  readonly publicKey: Uint8Array;
  /** The slot its key file names (null: an organisation's folder, which holds no key file yet). */
  readonly index: number | null;
  /** The key pair, to sign the request: an organisation's key store is opened only then. */
  open(): Promise<OrgKeyPair>;
}

/** A validator key file as a request's new key. */
function keyOfFile(path: string): NewKey {
  const f = readKeyFile(path);
  return {
    shown: path,
    chainId: f.chainId,
    publicKey: f.key.publicKey,
    index: f.index,
    open: async () => f.key,
  };
}

/**
 * `request add`: the joining validator's name, endpoint and key — from the card and key store of the
 * organisation's folder (`--org`), or from `--name`, `--p2p` and `--key`.
 */
function joiningValidator(o: RequestOptions): { name: string; p2p: string; key: NewKey } {
  if (o.org === undefined) {
    const missing = (
      [
        ['--name', o.name],
        ['--p2p', o.p2p],
        ['--key', o.key],
      ] as const
    )
      .filter(([, given]) => given === undefined)
      .map(([option]) => option);
    if (missing.length > 0)
      throw new CliError(
        'CLI_BAD_OPTION',
        `adding a validator needs --org <the joining organisation's folder>, or --name, --p2p and --key: ${missing.join(', ')} missing`,
        'e.g. --org /srv/dpp/agg-b, or --name validator-agg-b --p2p 10.0.3.40:7400 --key validator.key.json',
      );
    if (parseHostPort(o.p2p!) === null)
      throw new CliError(
        'CLI_BAD_ENDPOINT',
        `--p2p must be host:port (a lower-case host name or IPv4 address), got "${o.p2p}"`,
        'e.g. --p2p 10.0.3.40:7400',
      );
    return { name: o.name!, p2p: o.p2p!, key: keyOfFile(o.key!) };
  }
  const shown = o.org;
  if (o.key !== undefined)
    throw new CliError(
      'CLI_BAD_OPTION',
      `--org and --key both name the new key: nothing was written`,
      `with --org the key is the one ${shown}'s key store keeps: drop --key`,
    );
  const dir = resolve(shown);
  const card = ownCard(dir, shown);
  const v = card.validator;
  if (v === undefined)
    throw new CliError(
      'CLI_NO_VALIDATOR',
      `${shown}'s card declares no validator: nothing was written`,
      'an organisation that runs a validator makes its folder with `dpp keys new … --validator <name> --p2p <host:port>`',
    );
  for (const [option, given, carded] of [
    ['--name', o.name, v.name],
    ['--p2p', o.p2p, v.p2p],
  ] as const)
    if (given !== undefined && given !== carded)
      throw new CliError(
        'CLI_BAD_OPTION',
        `${option} ${given} is not what ${shown}'s card says (${carded}): nothing was written`,
        `drop ${option}: with --org the card's is used (the organisation signed it)`,
      );
  return {
    name: v.name,
    p2p: v.p2p,
    key: {
      shown,
      chainId: card.chainId,
      publicKey: v.publicKey,
      index: null,
      open: async () => {
        const passphrase = await askPassphrase(
          `${card.id}'s key store (to sign the request to add ${v.name})`,
        );
        // openOwnKeys checked that the store keeps the validator key the card declares
        return orgKeyPair(openOwnKeys(dir, shown, card, passphrase).validatorSeed!);
      },
    },
  };
}

/** A validator key file; CliError naming the file when it is missing or malformed. */
function readKeyFile(path: string): ValidatorKey & { readonly chainId: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliError(
      'CLI_NO_KEY_FILE',
      `cannot read ${path}`,
      'give the validator’s key file (dpp-validator-key)',
    );
  }
  try {
    return parseValidatorKeyFile(text);
  } catch (err) {
    if (isDppError(err, 'LEDGER_BAD_KEY_FILE'))
      throw new CliError(
        'CLI_BAD_KEY_FILE',
        `${path}: ${err.message}`,
        'a validator key file is JSON of type dpp-validator-key (validator.key.json, validator-<i>.key.json)',
      );
    throw err;
  }
}

/** A request file; CliError naming the file when it is missing or malformed. */
function readRequest(path: string): ChangeRequest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliError(
      'CLI_NO_REQUEST',
      `cannot read ${path}`,
      'a request file is written by `dpp validator request add | remove | rekey`',
    );
  }
  try {
    return parseChangeRequest(text);
  } catch (err) {
    if (isDppError(err, 'CLIENT_BAD_ARGUMENT'))
      throw new CliError(
        'CLI_BAD_REQUEST',
        `${path}: ${err.message}`,
        'the file was altered, or is not a request: ask for it again, or make a new one',
      );
    throw err;
  }
}

/** Replaces `path` with `text` without a moment where it is half written. */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, path);
}

/**
 * The API of the node a member acting as `o` says uses (as ../memberSession.ts picks it): the
 * consortium member's validator, or for an organisation's folder `--node`, its own validator's, else
 * the first one its peers.json publishes.
 */
async function sessionNode(o: SessionOptions, roles: readonly MemberRole[], doWhat: string): Promise<string> {
  if (o.org === undefined) {
    const c = await Consortium.load(o);
    return c.nodeUrl(c.memberAs(o.as, roles, doWhat));
  }
  return nodeOf(resolve(o.org), o);
}
