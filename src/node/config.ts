/**
 * A validator's configuration file (JSON): which chain, which validator it is, where its keys,
 * genesis and data live, where it listens for validators and clients, and where the other
 * validators are, and optionally the mempool's bounds (`mempool: {maxTxs, maxBytes,
 * clientSharePercent}`) and the certificate the API serves HTTPS with (`api.tls: {certPath,
 * keyPath}`; a peer's `api.https: true` when its API does). `dpp network up` writes one per
 * validator; every field is checked with a clear message naming it. The validator links are always
 * TLS (docs/p2p.md): no field turns that off.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEFAULT_REPLICA_TIMING } from '../consensus/replica.ts';
import type { MempoolLimits } from './mempool.ts';
import { NodeError } from './nodeError.ts';

/** Where a validator listens. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * The certificate the API serves HTTPS with (PEM files; absolute paths, resolved against the config
 * file's folder); docs/deploy.md "Encrypted links and HTTPS".
 */
export interface ApiTlsFiles {
  /** The certificate, followed by its intermediates. */
  readonly certPath: string;
  /** Its private key (unencrypted PEM). */
  readonly keyPath: string;
}

/** A validator's configuration. */
export interface NodeConfig {
  readonly chainId: string;
  readonly validatorIndex: number;
  /** Absolute paths (resolved against the config file's folder). */
  readonly genesisPath: string;
  readonly keyPath: string;
  readonly dataDir: string;
  readonly p2p: Endpoint;
  /** The API's endpoint; with `tls` it serves HTTPS only. */
  readonly api: Endpoint & { readonly tls?: ApiTlsFiles };
  /** The other validators; `api.https` says a peer's API is served over HTTPS (for GET /v1/network). */
  readonly peers: readonly (Endpoint & {
    readonly index: number;
    readonly api?: Endpoint & { readonly https?: boolean };
  })[];
  readonly timing: NodeTiming;
  /** Bounds of the mempool (./mempool.ts; each defaults to `DEFAULT_MEMPOOL_LIMITS`). */
  readonly mempool: Partial<Pick<MempoolLimits, 'maxTxs' | 'maxBytes' | 'clientShare'>>;
  /**
   * The trading centre's node only: its key store (org seed, regulator master and certificate key),
   * so that POST /v1/regulator/traces can trace; `insecure` must be true for a plaintext (local demo)
   * store, otherwise the passphrase comes from DPP_PASSPHRASE.
   */
  readonly regulatorKeyStore?: { readonly path: string; readonly insecure: boolean };
}

/** Consensus and block-production timing, in ms. */
export interface NodeTiming {
  /** The replica's view timeout (../consensus/replica.ts; the rest of its timing is fixed there). */
  readonly viewTimeoutMs: number;
  /** How often the replica sends unanswered messages again. */
  readonly retransmitMs: number;
  /** The primary proposes an empty block after this long without transactions (keeps views alive). */
  readonly emptyBlockMs: number;
  /** The primary waits this long after the first pending transaction, to fill the block. */
  readonly batchMs: number;
  readonly maxBlockTxs: number;
}

/** Defaults for a LAN or loopback: the replica's own defaults, and block production's. */
export const DEFAULT_TIMING: NodeTiming = {
  viewTimeoutMs: DEFAULT_REPLICA_TIMING.viewTimeoutMs,
  retransmitMs: DEFAULT_REPLICA_TIMING.retransmitMs,
  emptyBlockMs: 1_000,
  batchMs: 10,
  maxBlockTxs: 5_000,
};

/** Validator `index`'s ports on a loopback network whose first port is `basePort`. */
export function loopbackEndpoints(basePort: number, index: number): { p2p: number; api: number } {
  return { p2p: basePort + 2 * index, api: basePort + 2 * index + 1 };
}

/**
 * The configuration file (JSON, paths relative to its folder) of validator `index` in a network of
 * `validators` on loopback: p2p on basePort + 2i, API on basePort + 2i + 1, every other validator a
 * peer with its API (for GET /v1/network). `dpp network up`, `dpp start` and `dpp init` write these.
 */
export function loopbackConfig(o: {
  readonly chainId: string;
  readonly index: number;
  readonly validators: number;
  readonly basePort: number;
  readonly timing?: Record<string, number>;
  readonly regulatorKeyStore?: { readonly path: string; readonly insecure: boolean };
}): Record<string, unknown> {
  const at = (i: number) => loopbackEndpoints(o.basePort, i);
  return {
    chainId: o.chainId,
    validatorIndex: o.index,
    genesisPath: 'genesis.json',
    keyPath: `validator-${o.index}.key.json`,
    dataDir: `data-${o.index}`,
    p2p: { host: '127.0.0.1', port: at(o.index).p2p },
    api: { host: '127.0.0.1', port: at(o.index).api },
    peers: [...Array(o.validators).keys()]
      .filter((j) => j !== o.index)
      .map((j) => ({
        index: j,
        host: '127.0.0.1',
        port: at(j).p2p,
        api: { host: '127.0.0.1', port: at(j).api },
      })),
    ...(o.timing === undefined ? {} : { timing: o.timing }),
    ...(o.regulatorKeyStore === undefined ? {} : { regulatorKeyStore: o.regulatorKeyStore }),
  };
}

/** Reads and checks a configuration file. */
export function loadNodeConfig(path: string): NodeConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new NodeError('NODE_BAD_CONFIG', `cannot read config ${path}: ${(cause as Error).message}`);
  }
  return parseNodeConfig(raw, dirname(resolve(path)));
}

/** Checks a parsed configuration object; relative paths resolve against `baseDir`. */
export function parseNodeConfig(raw: unknown, baseDir: string): NodeConfig {
  const o = object(raw, 'config');
  const timing = o.timing === undefined ? {} : object(o.timing, 'timing');
  const pool = o.mempool === undefined ? {} : object(o.mempool, 'mempool');
  for (const k of Object.keys(pool))
    if (!['maxTxs', 'maxBytes', 'clientSharePercent'].includes(k)) bad(`mempool.${k} is not an option`);
  const num = (v: unknown, name: string, min: number, max: number): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      bad(`${name} must be an integer in ${min}..${max}`);
    return v;
  };
  const str = (v: unknown, name: string): string => {
    if (typeof v !== 'string' || v.length === 0) bad(`${name} must be a non-empty string`);
    return v;
  };
  const endpoint = (v: unknown, name: string): Endpoint => {
    const e = object(v, name);
    return { host: str(e.host, `${name}.host`), port: num(e.port, `${name}.port`, 0, 65535) };
  };
  if (!Array.isArray(o.peers)) bad('peers must be an array');
  const t = (k: keyof NodeTiming, min: number, max: number): number =>
    timing[k] === undefined ? DEFAULT_TIMING[k] : num(timing[k], `timing.${k}`, min, max);
  return {
    chainId: str(o.chainId, 'chainId'),
    validatorIndex: num(o.validatorIndex, 'validatorIndex', 0, 1023),
    genesisPath: resolve(baseDir, str(o.genesisPath, 'genesisPath')),
    keyPath: resolve(baseDir, str(o.keyPath, 'keyPath')),
    dataDir: resolve(baseDir, str(o.dataDir, 'dataDir')),
    p2p: endpoint(o.p2p, 'p2p'),
    api: {
      ...endpoint(o.api, 'api'),
      ...(object(o.api, 'api').tls === undefined
        ? {}
        : {
            tls: (() => {
              const t = object(object(o.api, 'api').tls, 'api.tls');
              for (const k of Object.keys(t))
                if (k !== 'certPath' && k !== 'keyPath') bad(`api.tls.${k} is not an option`);
              return {
                certPath: resolve(baseDir, str(t.certPath, 'api.tls.certPath')),
                keyPath: resolve(baseDir, str(t.keyPath, 'api.tls.keyPath')),
              };
            })(),
          }),
    },
    peers: (o.peers as unknown[]).map((p, i) => {
      const api = object(p, `peers[${i}]`).api;
      const https = api === undefined ? undefined : object(api, `peers[${i}].api`).https;
      if (https !== undefined && typeof https !== 'boolean')
        bad(`peers[${i}].api.https must be true or false`);
      return {
        ...endpoint(p, `peers[${i}]`),
        index: num(object(p, `peers[${i}]`).index, `peers[${i}].index`, 0, 1023),
        ...(api === undefined
          ? {}
          : { api: { ...endpoint(api, `peers[${i}].api`), ...(https === undefined ? {} : { https }) } }),
      };
    }),
    ...(o.regulatorKeyStore === undefined
      ? {}
      : {
          regulatorKeyStore: (() => {
            const r = object(o.regulatorKeyStore, 'regulatorKeyStore');
            if (typeof r.insecure !== 'boolean') bad('regulatorKeyStore.insecure must be true or false');
            return { path: resolve(baseDir, str(r.path, 'regulatorKeyStore.path')), insecure: r.insecure };
          })(),
        }),
    mempool: {
      ...(pool.maxTxs === undefined ? {} : { maxTxs: num(pool.maxTxs, 'mempool.maxTxs', 1, 10_000_000) }),
      ...(pool.maxBytes === undefined
        ? {}
        : { maxBytes: num(pool.maxBytes, 'mempool.maxBytes', 1 << 16, 2 ** 32) }),
      ...(pool.clientSharePercent === undefined
        ? {}
        : { clientShare: num(pool.clientSharePercent, 'mempool.clientSharePercent', 1, 100) / 100 }),
    },
    timing: {
      viewTimeoutMs: t('viewTimeoutMs', 100, 600_000),
      retransmitMs: t('retransmitMs', 10, 60_000),
      emptyBlockMs: t('emptyBlockMs', 10, 600_000),
      batchMs: t('batchMs', 0, 10_000),
      maxBlockTxs: t('maxBlockTxs', 1, 10_000),
    },
  };
}

function object(v: unknown, name: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(`${name} must be an object`);
  return v as Record<string, unknown>;
}

function bad(message: string): never {
  throw new NodeError('NODE_BAD_CONFIG', `config: ${message}`);
}
