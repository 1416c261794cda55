/**
 * Metering after the delivery window (docs/protocol.md §7), in two halves:
 *   `dpp meter submit --as <aggregator> (--file readings.csv|json | --as-contracted)`: an aggregator
 *   meters what its consumers took, which issues their bills. A CSV has lines `bill,consumedWh` (a
 *   header line is skipped); a JSON file is an array of `{"bill", "consumedWh"}`. Every bill must be
 *   one of its consumers' and still unmetered;
 *   `dpp meter generation [--delivered <generator>=<Wh>,…] [--as-sold]`: the trading centre meters
 *   what each generator delivered against its sale, which pays the generator (energy − its deviation
 *   penalty). The generators named get their reading; with `--as-sold` every other unmetered sale is
 *   metered at exactly what it sold.
 * The whole submission is checked before anything is signed, then sent in as many transactions as it
 * needs (client/actions/submitMeterReadings.ts batches MAX_ROUND_PARTICIPANTS readings a transaction).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import pc from 'picocolors';
import {
  type GenerationReadingsParams,
  type MeterReading,
  submitGenerationReadings,
  submitMeterReadings,
} from '../../client/actions/submitMeterReadings.ts';
import type { ConsortiumMember } from '../../client/consortiumFile.ts';
import type { RoundView } from '../../client/marketReader.ts';
import { type AsOptions, Consortium, participantCommand } from '../consortium.ts';
import { printAtMost } from '../listPage.ts';
import { CliError, emit, mwh, type Progress, plural, progress, receiptLine, time } from '../output.ts';
import { ifGiven, roundId } from '../parse.ts';
import { pickRound } from './round.ts';

/** Adds `dpp meter submit` and `dpp meter generation`. */
export function register(program: Command): void {
  const meter = program
    .command('meter')
    .description('metering: consumers by their aggregators, generators by the trading centre');
  participantCommand(
    meter.command('submit').description('(aggregator) submit what its consumers took: issues their bills'),
    true,
  )
    .option('-f, --file <file>', 'readings: CSV lines bill,consumedWh or a JSON array')
    .option('--as-contracted', 'meter every unmetered bill of its consumers at exactly its contracted energy')
    .option('--wait', 'wait for the delivery window to end')
    .action(meterSubmit);
  participantCommand(
    meter
      .command('generation')
      .description('(trading centre) submit what the generators delivered: pays their sales'),
    true,
  )
    .option(
      '--delivered <readings>',
      'generator=Wh pairs, comma-separated, e.g. g1.bus1=12500000,g2.bus2=9800000',
    )
    .option('--as-sold', 'meter every other unmetered sale at exactly what it sold')
    .option('--wait', 'wait for the delivery window to end')
    .action(meterGeneration);
}

/** Options of `dpp meter submit`. */
interface MeterSubmitOptions extends AsOptions {
  readonly file?: string;
  readonly asContracted?: boolean;
  readonly wait?: boolean;
}

/** Refuses metering a round that is not cleared (the contracts would: CONTRACT_WRONG_PHASE). */
function requireCleared(round: RoundView): void {
  if (round.phase !== 'cleared')
    throw new CliError(
      'CLI_WRONG_PHASE',
      `round ${round.id} is ${round.phase}; metering needs it cleared`,
      'meter after `dpp round close`',
    );
}

/** Waits (with --wait) for the end of the round's delivery window, or refuses before it. */
async function afterDelivery(
  c: Consortium,
  member: ConsortiumMember,
  round: RoundView,
  wait: boolean,
  p: Progress,
): Promise<void> {
  const deliveryEnd = BigInt(round.terms.deliveryEndMs);
  if ((await c.reader(member).chainTimeMs()) >= deliveryEnd) return;
  if (!wait)
    throw new CliError(
      'CLI_TOO_EARLY',
      `the delivery window of round ${round.id} ends at ${time(deliveryEnd)}`,
      'meter after it, or add --wait',
    );
  await c.waitForChainTime(member, deliveryEnd, p, 'waiting for the delivery window to end');
}

/** `dpp meter submit`. */
async function meterSubmit(o: MeterSubmitOptions): Promise<void> {
  const { file } = o;
  const asContracted = o.asContracted === true;
  const roundArg = ifGiven(o.round, roundId);
  const c = await Consortium.load(o);
  const member = c.memberAs(o.as, ['aggregator'], 'submit meter readings');
  if ((file === undefined) === !asContracted)
    throw new CliError(
      'CLI_BAD_ARGUMENT',
      'give either --file <readings> or --as-contracted',
      'e.g. dpp meter submit --as aggregator-a1 --as-contracted',
    );
  const round = await pickRound(c, member, roundArg);
  requireCleared(round);
  const reader = c.reader(member);
  // Only this aggregator's consumers' bills travel (the node filters).
  const mine = new Map(
    (await reader.bills(BigInt(round.id), { aggregator: member.id })).map((b) => [b.index, b]),
  );
  let readings: MeterReading[];
  if (asContracted) {
    readings = [...mine.values()]
      .filter((b) => b.status === 'contracted')
      .map((b) => ({ bill: b.index, consumedWh: b.contractedWh }));
  } else {
    readings = parseReadings(file!);
    for (const r of readings) {
      const b = mine.get(r.bill);
      if (b === undefined)
        throw new CliError(
          'CLI_NOT_YOURS',
          r.bill < round.bills
            ? `bill ${r.bill} of round ${round.id} is not one of ${member.id}'s consumers'`
            : `round ${round.id} has no bill ${r.bill} (its bills are 0 to ${round.bills - 1})`,
          `see \`dpp bill show --round ${round.id} --aggregator ${member.id}\``,
        );
      if (b.status !== 'contracted')
        throw new CliError(
          'CLI_ALREADY_METERED',
          `bill ${r.bill} is already ${b.status}`,
          'each bill is metered once',
        );
    }
  }
  if (readings.length === 0)
    throw new CliError(
      'CLI_NOTHING_TO_DO',
      `no unmetered bills of ${member.id}'s consumers in round ${round.id}`,
      `see \`dpp bill show --round ${round.id} --aggregator ${member.id}\``,
    );
  const p = progress();
  await afterDelivery(c, member, round, o.wait === true, p);
  const store = await c.open(member);
  p.update(`submitting ${plural(readings.length, 'reading')}`);
  const receipts = await submitMeterReadings(c.as(store, p), { round: BigInt(round.id), readings });
  p.done();
  emit(o.json === true, { round: round.id, aggregator: member.id, readings, receipts }, () => {
    for (const r of receipts) console.log(receiptLine(r));
    console.log(
      `${member.id} metered ${plural(readings.length, 'bill')} of round ${round.id}; ${readings.length === 1 ? 'it is' : 'they are'} ${pc.bold('issued')}`,
    );
    printAtMost(
      readings.map((r) => `  bill ${r.bill}: consumed ${mwh(r.consumedWh)}`),
      'readings',
    );
  });
}

/** One generator's reading. */
type GenerationReading = GenerationReadingsParams['readings'][number];

/** Options of `dpp meter generation`. */
interface MeterGenerationOptions extends AsOptions {
  readonly delivered?: string;
  readonly asSold?: boolean;
  readonly wait?: boolean;
}

/** `dpp meter generation`. */
async function meterGeneration(o: MeterGenerationOptions): Promise<void> {
  const given = ifGiven(o.delivered, parseDelivered);
  const asSold = o.asSold === true;
  const roundArg = ifGiven(o.round, roundId);
  if (given === undefined && !asSold)
    throw new CliError(
      'CLI_BAD_ARGUMENT',
      'give --delivered <generator>=<Wh>,… and/or --as-sold',
      'e.g. dpp meter generation --as-sold, or --delivered g1.bus1=12500000 --as-sold',
    );
  const c = await Consortium.load(o);
  const member = c.memberAs(o.as, ['trading-centre'], 'meter the generators');
  const round = await pickRound(c, member, roundArg);
  requireCleared(round);
  const sales = new Map((await c.reader(member).sales(BigInt(round.id))).map((s) => [s.generator, s]));
  for (const r of given ?? []) {
    const sale = sales.get(r.generator);
    if (sale === undefined)
      throw new CliError(
        'CLI_NO_SALE',
        `${r.generator} did not offer in round ${round.id}: it has no sale to meter`,
        `see \`dpp round show ${round.id}\``,
      );
    if (sale.status !== 'contracted')
      throw new CliError(
        'CLI_ALREADY_METERED',
        `${r.generator}'s sale of round ${round.id} is already ${sale.status}`,
        'each sale is metered once',
      );
  }
  const named = new Set((given ?? []).map((r) => r.generator));
  const readings: GenerationReading[] = [
    ...(given ?? []),
    ...(asSold
      ? [...sales.values()]
          .filter((s) => s.status === 'contracted' && !named.has(s.generator))
          .map((s) => ({ generator: s.generator, deliveredWh: BigInt(s.soldWh) }))
      : []),
  ].sort((a, b) => (a.generator < b.generator ? -1 : a.generator > b.generator ? 1 : 0));
  if (readings.length === 0)
    throw new CliError(
      'CLI_NOTHING_TO_DO',
      `every sale of round ${round.id} is metered already`,
      `see \`dpp round show ${round.id}\``,
    );
  const p = progress();
  await afterDelivery(c, member, round, o.wait === true, p);
  const store = await c.open(member);
  const receipts = await submitGenerationReadings(c.as(store, p), { round: BigInt(round.id), readings });
  p.done();
  emit(o.json === true, { round: round.id, readings, receipts }, () => {
    for (const r of receipts) console.log(receiptLine(r));
    console.log(
      `${plural(readings.length, 'generator')} metered in round ${round.id}: their sales are ${pc.bold('settled')} (paid for what they delivered, up to what they sold)`,
    );
    printAtMost(
      readings.map((r) => {
        const sold = sales.get(r.generator)!.soldWh;
        return `  ${r.generator.padEnd(16)} delivered ${mwh(r.deliveredWh)} of ${mwh(sold)} sold`;
      }),
      'readings',
    );
  });
}

/** `g1.bus1=12500000,g2.bus2=9800000` → readings; CliError naming what is wrong. */
function parseDelivered(text: string): GenerationReading[] {
  const out: GenerationReading[] = [];
  for (const pair of text.split(',')) {
    const m = /^\s*([a-z0-9][a-z0-9.-]{0,63})=(\d{1,16})\s*$/.exec(pair);
    if (m === null)
      throw new CliError(
        'CLI_BAD_ARGUMENT',
        `--delivered takes generator=Wh pairs, got "${pair.trim()}"`,
        'e.g. --delivered g1.bus1=12500000,g2.bus2=9800000 (whole Wh)',
      );
    if (out.some((r) => r.generator === m[1]))
      throw new CliError('CLI_BAD_ARGUMENT', `--delivered names ${m[1]} twice`, 'one reading per generator');
    out.push({ generator: m[1]!, deliveredWh: BigInt(m[2]!) });
  }
  return out;
}

function parseReadings(path: string): MeterReading[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliError('CLI_NO_FILE', `cannot read ${path}`, 'give a CSV (bill,consumedWh) or JSON file');
  }
  const bad = (where: string): never => {
    throw new CliError(
      'CLI_BAD_READINGS',
      `${path}: ${where}`,
      'each reading is bill,consumedWh with whole numbers',
    );
  };
  const whole = (v: unknown, where: string): bigint => {
    const s = typeof v === 'number' ? String(v) : v;
    if (typeof s !== 'string' || !/^\d{1,16}$/.test(s)) bad(`${where} is not a whole number`);
    return BigInt(s as string);
  };
  const rows: unknown[][] = [];
  if (/^\s*\[/.test(text)) {
    let arr: unknown;
    try {
      arr = JSON.parse(text);
    } catch {
      bad('not valid JSON');
    }
    if (!Array.isArray(arr)) bad('not an array');
    for (const [i, o] of (arr as unknown[]).entries()) {
      if (typeof o !== 'object' || o === null) bad(`item ${i} is not an object`);
      const r = o as Record<string, unknown>;
      rows.push([r.bill, r.consumedWh]);
    }
  } else {
    const lines = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const [i, line] of lines.entries()) {
      const cells = line.split(',').map((x) => x.trim());
      if (i === 0 && !/^\d/.test(cells[0] ?? '')) continue; // header
      if (cells.length !== 2) bad(`line ${i + 1} does not have 2 fields (bill,consumedWh)`);
      rows.push(cells);
    }
  }
  const out = rows.map((r, i) => ({
    bill: Number(whole(r[0], `reading ${i + 1}: bill`)),
    consumedWh: whole(r[1], `reading ${i + 1}: consumedWh`),
  }));
  if (new Set(out.map((r) => r.bill)).size !== out.length) bad('a bill appears twice');
  return out;
}
