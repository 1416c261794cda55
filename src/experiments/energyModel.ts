/**
 * The energy experiment's analysis (../shared/DESIGN.md claim 1; docs/experiments.md §1): from the
 * measured sweep and trading rounds (energyRun.ts) to per-transaction and per-round figures, fits
 * of how CPU and bytes grow with the number of validators N, and the comparison of four
 * architectures. Every number carries its basis: measured (real processes here), extrapolated (the
 * fit outside the measured N), or modelled (a stated parameter times a count). Pure.
 */
import type { RoundSample, SweepSample } from './energyRun.ts';
import { evalPoly, fitPolynomial, type PolyFit } from './leastSquares.ts';

/** An energy-model parameter with where it comes from. */
export interface Parameter {
  readonly id: string;
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  readonly kind: 'sourced' | 'assumption' | 'definition';
  readonly source: string;
}

/** The parameters, each with its source (docs/experiments.md §1.2 quotes them). */
export const ENERGY_PARAMETERS: readonly Parameter[] = [
  {
    id: 'cpuWatts',
    label: 'power of one busy server vCPU',
    value: 3.5,
    unit: 'W (J per CPU-second)',
    kind: 'sourced',
    source:
      'Cloud Carbon Footprint, AWS_CLOUD_CONSTANTS.MAX_WATTS_AVG (from SPECpower_ssj2008 results), github.com/cloud-carbon-footprint/cloud-carbon-footprint packages/aws/src/domain/AwsFootprintEstimationConstants.ts',
  },
  {
    id: 'idleWattsPerVcpu',
    label: 'power of one idle server vCPU',
    value: 0.74,
    unit: 'W',
    kind: 'sourced',
    source: 'Cloud Carbon Footprint, AWS_CLOUD_CONSTANTS.MIN_WATTS_AVG (same file)',
  },
  {
    id: 'pue',
    label: 'data-centre power usage effectiveness (applied to server energy)',
    value: 1.135,
    unit: '',
    kind: 'sourced',
    source: 'Cloud Carbon Footprint, AWS_CLOUD_CONSTANTS.PUE_AVG (same file)',
  },
  {
    id: 'vcpusPerValidator',
    label: 'vCPUs of one validator server',
    value: 2,
    unit: 'vCPU',
    kind: 'assumption',
    source: 'assumption: the size of the machine these measurements ran on (2 cores)',
  },
  {
    id: 'wanJoulesPerByte',
    label: 'energy per byte sent over the Internet (validators of different organisations)',
    value: (0.06 * 3.6e6) / 1e9,
    unit: 'J/B (0.06 kWh/GB)',
    kind: 'sourced',
    source:
      'Aslan, Mayers, Koomey, France, "Electricity Intensity of Internet Data Transmission: Untangling the Estimates", J. Industrial Ecology 22(4):785–798, 2018, doi:10.1111/jiec.12630 — 0.06 kWh/GB for 2015, halving about every 2 years',
  },
  {
    id: 'lanJoulesPerByte',
    label: 'energy per byte sent inside a data centre (reference)',
    value: (0.001 * 3.6e6) / 1e9,
    unit: 'J/B (0.001 kWh/GB)',
    kind: 'sourced',
    source: 'Cloud Carbon Footprint, NETWORKING_COEFFICIENT = 0.001 kWh/GB (same file)',
  },
  {
    id: 'headerBytesPerFrame',
    label: 'WebSocket + TCP/IP + Ethernet header bytes per p2p frame',
    value: 66,
    unit: 'B',
    kind: 'assumption',
    source:
      'assumption: 2–10 B WebSocket header + 20 B IPv4 + 32 B TCP with timestamps + 14 B Ethernet, one packet per frame (most frames are small consensus messages); the transport counts payload bytes only',
  },
  {
    id: 'asicJoulesPerHash',
    label: 'energy of one SHA-256d hash on a Bitcoin ASIC',
    value: 29.5e-12,
    unit: 'J/hash (29.5 J/TH)',
    kind: 'sourced',
    source:
      'Antminer S19 Pro: 110 TH/s at 3,250 W, 29.5 W/TH (miningstore.com, "The Definitive Guide to Antminer S19 Series Bitcoin Miners"; d-central.tech mining glossary "Efficiency (J/TH)"); the 2023 S21 reaches 17.5 J/TH',
  },
  {
    id: 'powDifficulty',
    label: 'proof-of-work difficulty (Bitcoin, block 840,672, 2024-04-25)',
    value: 88.1e12,
    unit: '',
    kind: 'sourced',
    source:
      'BTC.com data reported by BlockBeats (Binance Square, 2024-04-25): difficulty 88.1 T at block 840,672',
  },
  {
    id: 'powHashRate',
    label: 'proof-of-work network hash rate (same date)',
    value: 642.78e18,
    unit: 'H/s',
    kind: 'sourced',
    source: 'same report: average network hash rate 642.78 EH/s',
  },
  {
    id: 'powBlockSeconds',
    label: 'target block interval',
    value: 600,
    unit: 's',
    kind: 'definition',
    source: 'Bitcoin protocol: difficulty retargets so a block is found about every 10 minutes',
  },
  {
    id: 'powTxPerBlock',
    label: 'transactions per proof-of-work block',
    value: 2700,
    unit: 'tx',
    kind: 'sourced',
    source:
      'CryptoSlate, "Bitcoin transactions per block at all-time highs" (2021): over 2,700 per block at the peak — a high value, which favours proof of work',
  },
];

/** The large consortium the fit is extrapolated to (an assumption, stated). */
export const LARGE_CONSORTIUM = {
  consumers: 400,
  aggregators: 16,
  generators: 40,
  /** Generators large enough to run a validator. */
  validatingGenerators: 10,
  /** Bills per round: one per consumer (each buys directly, as in case30's round: 20 bills). */
  bills: 400,
} as const;

/** One row of the sweep, per committed transaction. */
export interface SweepRow {
  readonly validators: number;
  readonly committed: number;
  readonly windowSeconds: number;
  readonly committedTxPerSecond: number;
  readonly cpuSecondsPerTx: number;
  readonly bytesPerTx: number;
  readonly framesPerTx: number;
  /** Busiest validator's CPU share of one core during the window. */
  readonly maxValidatorCpuShare: number;
  readonly idleCpuPerValidatorPerSecond: number;
}

/** A fitted growth law. */
export interface GrowthFit extends PolyFit {
  readonly quantity: string;
  readonly model: string;
  /** Points used (the PBFT networks, N ≥ 4). */
  readonly validators: readonly number[];
  /** When the quadratic term came out negative, the fit was redone as linear (noted). */
  readonly note: string | null;
}

/** A measured trading round. */
export interface RoundRow {
  readonly validators: number;
  readonly seconds: number;
  readonly transactions: number;
  readonly byKind: Readonly<Record<string, number>>;
  /** Bills the round recorded (one per consumer that bought). */
  readonly bills: number;
  readonly cpuSeconds: number;
  readonly bytes: number;
  /** The bytes by what the frames carried (a consensus message type, or `txs`), over all validators. */
  readonly bytesByMessage: Readonly<Record<string, number>>;
  readonly frames: number;
  readonly joules: number;
  readonly certified: boolean;
  readonly settled: number;
}

/** One architecture in one scenario. */
export interface Comparison {
  readonly scenario: 'case30' | 'large';
  readonly architecture: 'ours' | 'all-validate' | 'pow' | 'centralised';
  readonly label: string;
  readonly validators: number | null;
  /** Per committed transaction under the fixed memo load. */
  readonly perTx: {
    readonly basis: 'measured' | 'extrapolated' | 'modelled';
    readonly cpuSeconds: number | null;
    readonly bytes: number | null;
    readonly joules: number;
    /** Of which the CPU's share (the rest is the network's, or all hashing for proof of work). */
    readonly cpuJoules: number;
  };
  /** Per trading round of real contract transactions. */
  readonly perRound: {
    readonly basis: 'measured' | 'extrapolated' | 'modelled';
    readonly transactions: number;
    readonly joules: number;
    /** Servers kept on for an hour-long round (idle power; modelled), null for proof of work. */
    readonly idleServerJoulesPerHour: number | null;
  };
}

/** The energy experiment's report (report/energy.json). */
export interface EnergyReport {
  readonly experiment: 'energy';
  readonly load: {
    readonly kind: 'memo';
    readonly offeredTxPerSecond: number;
    readonly windowSeconds: number;
    readonly senders: number;
  };
  readonly sweep: readonly SweepRow[];
  readonly fits: { readonly cpu: GrowthFit; readonly bytes: GrowthFit; readonly frames: GrowthFit };
  readonly rounds: readonly RoundRow[];
  /** How contract transactions cost more than memos, calibrated on the 4-validator round. */
  readonly roundModel: {
    readonly calibratedOn: number;
    readonly transactionsFormula: string;
    /** The formula for case30 against the transactions counted in the calibration round. */
    readonly formulaCheck: { readonly counted: number; readonly formula: number };
    readonly cpuSecondsPerValidatorPerTx: number;
    readonly bytesPerPeerPerTx: number;
    readonly framesPerPeerPerTx: number;
    /** The model against the rounds measured at other N. */
    readonly checks: readonly {
      readonly validators: number;
      readonly measuredJoules: number;
      readonly modelledJoules: number;
    }[];
  };
  readonly parameters: readonly Parameter[];
  readonly scenarios: {
    readonly case30: {
      readonly participants: number;
      readonly ourValidators: number;
      readonly transactionsPerRound: number;
    };
    readonly large: {
      readonly participants: number;
      readonly ourValidators: number;
      readonly transactionsPerRound: number;
      readonly consumers: number;
      readonly generators: number;
      readonly aggregators: number;
      readonly bills: number;
    };
  };
  readonly pow: {
    readonly hashesPerBlock: number;
    readonly joulesPerBlock: number;
    readonly impliedHashRate: number;
  };
  readonly comparisons: readonly Comparison[];
}

const p = (id: string): number => {
  const x = ENERGY_PARAMETERS.find((q) => q.id === id);
  if (x === undefined) throw new Error(`no parameter ${id}`);
  return x.value;
};

/** Readings one metering transaction takes (contracts/records.ts MAX_ROUND_PARTICIPANTS). */
const MAX_READINGS = 1_024;

/**
 * Transactions of one round: open, close (with the equilibrium prices solved off chain), finalize;
 * per consumer a pseudonym and a demand; an offer per generator; the aggregators' `meter.submit`
 * batches (consumed energy, which issues the bills) and the trading centre's `meter.generation`
 * batches (delivered energy, which settles the sales), ≤ 1,024 readings each; a response and an
 * acknowledgement per bill (one bill per consumer that buys, one statement at the equilibrium prices).
 * Assumes every generator sells and the bills are spread evenly over the aggregators, as in case30.
 */
export function transactionsPerRound(
  consumers: number,
  generators: number,
  aggregators: number,
  bills: number,
): number {
  const batches = (n: number) => Math.ceil(n / MAX_READINGS);
  const perAggregator = Math.ceil(bills / aggregators);
  return (
    3 + 2 * consumers + generators + aggregators * batches(perAggregator) + batches(generators) + 2 * bills
  );
}

/** Server-side energy of CPU seconds, bytes and frames sent between validators. */
export function serverJoules(cpuSeconds: number, bytes: number, frames: number): number {
  return (
    cpuSeconds * p('cpuWatts') * p('pue') +
    (bytes + frames * p('headerBytesPerFrame')) * p('wanJoulesPerByte')
  );
}

/** Builds the report from the measurements. */
export function analyseEnergy(
  sweep: readonly SweepSample[],
  rounds: readonly RoundSample[],
  load: EnergyReport['load'],
): EnergyReport {
  const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);
  const rows: SweepRow[] = sweep.map((s) => ({
    validators: s.validators,
    committed: s.committed,
    windowSeconds: s.windowSeconds,
    committedTxPerSecond: s.committed / s.windowSeconds,
    cpuSecondsPerTx: sum(s.perValidator.map((v) => v.cpuSeconds)) / s.committed,
    bytesPerTx: sum(s.perValidator.map((v) => v.bytesSent)) / s.committed,
    framesPerTx: sum(s.perValidator.map((v) => v.framesSent)) / s.committed,
    maxValidatorCpuShare: Math.max(...s.perValidator.map((v) => v.cpuSeconds)) / s.windowSeconds,
    idleCpuPerValidatorPerSecond: s.idleCpuPerValidatorPerSecond,
  }));
  const pbft = rows.filter((r) => r.validators >= 4);
  const fit = (quantity: string, pick: (r: SweepRow) => number): GrowthFit => {
    const xs = pbft.map((r) => r.validators);
    const ys = pbft.map(pick);
    if (xs.length < 3)
      return {
        ...fitPolynomial(xs, ys, 1),
        quantity,
        model: 'a + b·N',
        validators: xs,
        note: 'two points only: linear',
      };
    const quad = fitPolynomial(xs, ys, 2);
    if (quad.coefficients[2]! >= 0)
      return { ...quad, quantity, model: 'a + b·N + c·N²', validators: xs, note: null };
    return {
      ...fitPolynomial(xs, ys, 1),
      quantity,
      model: 'a + b·N',
      validators: xs,
      note: `the quadratic fit gave c = ${quad.coefficients[2]!.toPrecision(3)} < 0 (noise at these N), so the linear model is used`,
    };
  };
  const fits = {
    cpu: fit('CPU seconds per committed transaction (all validators)', (r) => r.cpuSecondsPerTx),
    bytes: fit('p2p bytes sent per committed transaction (all validators)', (r) => r.bytesPerTx),
    frames: fit('p2p frames sent per committed transaction (all validators)', (r) => r.framesPerTx),
  };
  const measuredAt = (n: number): SweepRow | undefined => rows.find((r) => r.validators === n);
  const memo = (n: number) => {
    const m = measuredAt(n);
    if (m !== undefined)
      return {
        basis: 'measured' as const,
        cpu: m.cpuSecondsPerTx,
        bytes: m.bytesPerTx,
        frames: m.framesPerTx,
      };
    return {
      basis: 'extrapolated' as const,
      cpu: evalPoly(fits.cpu.coefficients, n),
      bytes: n === 1 ? 0 : evalPoly(fits.bytes.coefficients, n),
      frames: n === 1 ? 0 : evalPoly(fits.frames.coefficients, n),
    };
  };

  const roundRows: RoundRow[] = rounds.map((r) => {
    const cpuSeconds = sum(r.perValidator.map((v) => v.cpuSeconds));
    const bytes = sum(r.perValidator.map((v) => v.bytesSent));
    const frames = sum(r.perValidator.map((v) => v.framesSent));
    const bytesByMessage: Record<string, number> = {};
    for (const v of r.perValidator)
      for (const [kind, b] of Object.entries(v.bytesSentByMessage))
        bytesByMessage[kind] = (bytesByMessage[kind] ?? 0) + b;
    return {
      validators: r.validators,
      seconds: r.seconds,
      transactions: r.transactions,
      byKind: r.byKind,
      bills: r.bills,
      cpuSeconds,
      bytes,
      bytesByMessage,
      frames,
      joules: serverJoules(cpuSeconds, bytes, frames),
      certified: r.certified,
      settled: r.settled,
    };
  });
  // Contract transactions cost more than memos (ring signcryption checks, clearing, more bytes, and
  // the round's idle waits): calibrate the surplus on the framework's own round (4 validators).
  const cal = roundRows.find((r) => r.validators === 4) ?? roundRows[0];
  if (cal === undefined) throw new Error('the energy experiment needs at least one measured round');
  const calMemo = memo(cal.validators);
  const peers = Math.max(1, cal.validators - 1);
  const surplus = {
    cpu: (cal.cpuSeconds / cal.transactions - calMemo.cpu) / cal.validators,
    bytes: (cal.bytes / cal.transactions - calMemo.bytes) / peers,
    frames: (cal.frames / cal.transactions - calMemo.frames) / peers,
  };
  const contractPerTx = (n: number) => {
    const m = memo(n);
    const peersN = n - 1;
    return {
      cpu: m.cpu + n * surplus.cpu,
      bytes: m.bytes + peersN * surplus.bytes,
      frames: m.frames + peersN * surplus.frames,
    };
  };
  const roundJoules = (n: number, txs: number): number => {
    const c = contractPerTx(n);
    return serverJoules(c.cpu * txs, c.bytes * txs, c.frames * txs);
  };
  const case30 = cal;
  const txCase30 = case30.transactions;
  const L = LARGE_CONSORTIUM;
  const txLarge = transactionsPerRound(L.consumers, L.generators, L.aggregators, L.bills);
  const participantsCase30 = 1 + 6 + 3 + 20;
  const participantsLarge = 1 + L.generators + L.aggregators + L.consumers;
  const oursLarge = 1 + L.aggregators + L.validatingGenerators;
  const idlePerHour = (n: number): number =>
    n * p('vcpusPerValidator') * p('idleWattsPerVcpu') * p('pue') * 3600;
  const hashesPerBlock = p('powDifficulty') * 2 ** 32;
  const powBlockJoules = hashesPerBlock * p('asicJoulesPerHash');
  const powPerTx = powBlockJoules / p('powTxPerBlock');

  const consortiumRow = (
    scenario: Comparison['scenario'],
    architecture: 'ours' | 'all-validate' | 'centralised',
    label: string,
    n: number,
    txs: number,
  ): Comparison => {
    const m = memo(n);
    const measuredRound = scenario === 'case30' ? roundRows.find((r) => r.validators === n) : undefined;
    return {
      scenario,
      architecture,
      label,
      validators: n,
      perTx: {
        basis: m.basis,
        cpuSeconds: m.cpu,
        bytes: m.bytes,
        joules: serverJoules(m.cpu, m.bytes, m.frames),
        cpuJoules: serverJoules(m.cpu, 0, 0),
      },
      perRound: {
        basis:
          measuredRound !== undefined ? 'measured' : m.basis === 'measured' ? 'modelled' : 'extrapolated',
        transactions: txs,
        joules: measuredRound?.joules ?? roundJoules(n, txs),
        idleServerJoulesPerHour: idlePerHour(n),
      },
    };
  };
  const powRow = (scenario: Comparison['scenario'], txs: number): Comparison => ({
    scenario,
    architecture: 'pow',
    label: `proof-of-work public chain (difficulty ${(p('powDifficulty') / 1e12).toFixed(1)} T)`,
    validators: null,
    perTx: { basis: 'modelled', cpuSeconds: null, bytes: null, joules: powPerTx, cpuJoules: 0 },
    perRound: { basis: 'modelled', transactions: txs, joules: powPerTx * txs, idleServerJoulesPerHour: null },
  });
  const comparisons: Comparison[] = [
    consortiumRow('case30', 'ours', 'ours: trading centre + 3 aggregator agent nodes validate', 4, txCase30),
    consortiumRow(
      'case30',
      'all-validate',
      'same PBFT, every participant validates',
      participantsCase30,
      txCase30,
    ),
    powRow('case30', txCase30),
    consortiumRow('case30', 'centralised', 'centralised platform (one server)', 1, txCase30),
    consortiumRow(
      'large',
      'ours',
      `ours: trading centre + ${L.aggregators} aggregators + ${L.validatingGenerators} large generators validate`,
      oursLarge,
      txLarge,
    ),
    consortiumRow(
      'large',
      'all-validate',
      'same PBFT, every participant validates',
      participantsLarge,
      txLarge,
    ),
    powRow('large', txLarge),
    consortiumRow('large', 'centralised', 'centralised platform (one server)', 1, txLarge),
  ];
  return {
    experiment: 'energy',
    load,
    sweep: rows,
    fits,
    rounds: roundRows,
    roundModel: {
      calibratedOn: cal.validators,
      transactionsFormula:
        '3 + 2·consumers + generators + aggregators·⌈bills per aggregator / 1024⌉ + ⌈generators / 1024⌉ + 2·bills (open, close, finalize; a pseudonym and a demand per consumer; an offer per generator; meter batches per aggregator and for generation; a response and an acknowledgement per bill)',
      formulaCheck: { counted: cal.transactions, formula: transactionsPerRound(20, 6, 3, cal.bills) },
      cpuSecondsPerValidatorPerTx: surplus.cpu,
      bytesPerPeerPerTx: surplus.bytes,
      framesPerPeerPerTx: surplus.frames,
      checks: roundRows
        .filter((r) => r !== cal)
        .map((r) => ({
          validators: r.validators,
          measuredJoules: r.joules,
          modelledJoules: roundJoules(r.validators, r.transactions),
        })),
    },
    parameters: ENERGY_PARAMETERS,
    scenarios: {
      case30: { participants: participantsCase30, ourValidators: 4, transactionsPerRound: txCase30 },
      large: {
        participants: participantsLarge,
        ourValidators: oursLarge,
        transactionsPerRound: txLarge,
        consumers: L.consumers,
        generators: L.generators,
        aggregators: L.aggregators,
        bills: L.bills,
      },
    },
    pow: {
      hashesPerBlock,
      joulesPerBlock: powBlockJoules,
      impliedHashRate: hashesPerBlock / p('powBlockSeconds'),
    },
    comparisons,
  };
}
