/**
 * What the `dpp` command suggests after an error, beyond its message: a CliError carries its own
 * hint; any other DppError gets the hint of its exact code from the table below (an error that
 * may have committed carries `details.safeToResend` and its id instead: the hint is how to resend
 * it). `dir` is ` --dir <folder>` as the command was given it, so a hint can be run as printed.
 */
import { CONTRACT_ERROR_CODES } from '../contracts/contractError.ts';
import type { DppError } from '../errors.ts';
import { CliError } from './output.ts';

type Hint = (dir: string) => string;

const CONTRACT_REFUSED: Hint = () =>
  'the contract refused it: nothing changed on chain (docs/protocol.md lists the rules)';
const KEY_STORES: Hint = () => 'key stores are made by `dpp init` (or, for one organisation, `dpp keys new`)';
const VALIDATOR_DOWN: Hint = (dir) =>
  `is a validator down? \`dpp network status${dir}\` shows which; \`dpp network up${dir}\` starts those that are down`;

/** The hint of each error code the command explains. */
export const HINTS: Readonly<Record<string, Hint>> = {
  CLIENT_NETWORK: VALIDATOR_DOWN,
  CLIENT_TIMEOUT: VALIDATOR_DOWN,
  NODE_VALIDATOR_EXITED: () =>
    'that error is the cause: a port in use needs another --base-port; a folder of another network another --dir',
  P2P_LISTEN_FAILED: () =>
    'another process listens on that port (another network?): stop it, or use other ports',
  NODE_RUNNING: () =>
    'stop the validator first (`dpp network down`, or SIGTERM to its `dpp node` process): a backup is taken while it runs, a restore only while it is stopped',
  NODE_DATA_NOT_EMPTY: () =>
    'add --force to replace what the data folder holds (it is deleted once the backup is in place), or check that --config names the validator you mean',
  NODE_SNAPSHOT_WRONG_CHAIN: () =>
    'use a backup of this validator’s chain: manifest.json in the backup folder names its chainId and genesisHash',
  NODE_SNAPSHOT_CORRUPT: () =>
    'nothing was changed: the backup is damaged or incomplete; restore an older one, or ask another organisation for a backup of its validator (a backup holds no key and no vote)',
  NODE_RESTORE_NO_QUORUM: () =>
    'start the other validators first (the restore asks their APIs how far the chain is), or give --silent-until <height>: a height the chain is known to have passed (docs/deploy.md "Backup and restore")',
  LEDGER_STORE_UNAVAILABLE: () =>
    'another process (a validator still running?) holds the lock of this data folder',
  LEDGER_WRONG_CHAIN: () =>
    'this data folder holds the chain of another genesis: an older network in the same folder',
  CLIENT_TX_DROPPED: () => 'the validator’s log (logs/ in the consortium folder) says why',
  CLIENT_PROOF_INVALID: () =>
    'the node’s answer does not check out against the validator sets this client can prove from genesis (docs/api.md "Validators"): ask another validator, and tell its operator',
  CLIENT_NOT_CERTIFIED: () =>
    'nothing was sent: the validators refuse prices that are not an ε-equilibrium (docs/market-model.md §4); run `dpp round close` again from the round’s delivery start to cancel it, so the next round can open',
  NODE_MEMPOOL_FULL: () =>
    'the validators are busy (their mempools are full): nothing was sent; try again in a few seconds — the transaction is not lost, it was never admitted',
  API_RATE_LIMITED: () => 'too many requests from this machine: wait a few seconds and try again',
  ENCODE_LIMIT: () =>
    'a list in the transaction is longer than the protocol allows (the error names the field and the limit): split it over several transactions',
  LEDGER_TOO_LARGE: () =>
    'the transaction or block is above a size limit the error names (docs/ledger.md, docs/api.md "Limits"): send less in one transaction',
  API_BATCH_TOO_LARGE: () => 'a batch holds at most 10 000 transactions: send them in several batches',
  API_BODY_TOO_LARGE: () =>
    'the request is above the route’s body limit (named in the error): send less at once',
  LEDGER_UNAUTHORISED: () =>
    'the validators refused the sender: is it the right role, and not suspended? (`dpp members`)',
  ...Object.fromEntries(CONTRACT_ERROR_CODES.map((code) => [code, CONTRACT_REFUSED])),
  CONTRACT_TOO_LATE: () => 'its deadline had passed when it was committed: nothing changed on chain',
  CONTRACT_TOO_EARLY: () => 'it came before the chain’s time allowed it: nothing changed on chain',
  LEDGER_BAD_CARD: () =>
    'the card is malformed (the field is named): its organisation makes a new one with `dpp keys new`; nothing was written',
  LEDGER_BAD_CARD_SIGNATURE: () =>
    'the card was altered after its organisation signed it, or is not the one it sent: ask for it again over a channel you trust; nothing was written',
  LEDGER_CARD_WRONG_CHAIN: () =>
    'every organisation makes its card with the --chain-id the consortium agreed on; nothing was written',
  LEDGER_CARD_CONFLICT: () =>
    'settle it with the organisations named (one card each, unique ids, names, keys and endpoints), then assemble again; nothing was written',
  LEDGER_BAD_GENESIS: () =>
    'the file is not a valid genesis (the field is named): use the one the consortium was created with (`dpp init` or `dpp genesis assemble`), unaltered',
  LEDGER_BAD_PEERS: () => 'use the peers.json the trading centre assembled with the genesis, unaltered',
  CLIENT_BAD_KEY_STORE: KEY_STORES,
  CLIENT_KEYSTORE_UNSUPPORTED: KEY_STORES,
  CLIENT_KEYSTORE_INSECURE: KEY_STORES,
  CLIENT_KEYSTORE_IO: KEY_STORES,
};

/** What to try after `err` (`dir`: ` --dir <folder>` as given, or ''); a CliError's own hint, if any. */
export function hintFor(err: DppError, dir: string): string | undefined {
  if (err instanceof CliError) return err.hint;
  if (err.details.safeToResend === true && typeof err.details.txId === 'string')
    return `\`dpp tx resend ${err.details.txId}${dir}\` sends the same transaction again and waits; \`dpp network status${dir}\` shows whether a quorum is up`;
  return HINTS[err.code]?.(dir) ?? 'run the command with --help for usage';
}
