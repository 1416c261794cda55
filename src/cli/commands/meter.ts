/**
 * `dpp meter submit --as <aggregator> (--file readings.csv|json | --as-contracted) [--round] [--wait]`:
 * the aggregator meters its consumers' energy contracts after the delivery window (docs/protocol.md
 * §7). A CSV has lines `bill,deliveredWh,consumedWh` (a header line is skipped); a JSON file is an
 * array of `{"bill", "deliveredWh", "consumedWh"}`. Every bill must be one of its consumers' and
 * still unmetered; the whole submission is checked before anything is signed.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import pc from 'picocolors';
import { type MeterReading, submitMeterReadings } from '../../client/actions/submitMeterReadings.ts';
import { type AsOptions, Consortium, participantCommand } from '../consortium.ts';
import { CliError, emit, mwh, plural, progress, receiptLine, time } from '../output.ts';
import { ifGiven, roundId } from '../parse.ts';
import { pickRound } from './round.ts';

/** Adds `dpp meter submit`. */
export function register(program: Command): void {
  const meter = program.command('meter').description('metering by the aggregators');
  participantCommand(
    meter.command('submit').description('(aggregator) submit meter readings of its consumers’ contracts'),
    true,
  )
    .option('-f, --file <file>', 'readings: CSV lines bill,deliveredWh,consumedWh or a JSON array')
    .option('--as-contracted', 'meter every open contract at exactly its contracted energy')
    .option('--wait', 'wait for the delivery window to end')
    .action(meterSubmit);
}

/** Options of `dpp meter submit`. */
interface MeterSubmitOptions extends AsOptions {
  readonly file?: string;
  readonly asContracted?: boolean;
  readonly wait?: boolean;
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
  if (round.phase !== 'cleared')
    throw new CliError(
      'CLI_WRONG_PHASE',
      `round ${round.id} is ${round.phase}; metering needs it cleared`,
      'meter after `dpp round close`',
    );
  const reader = c.reader(member);
  const mine = (await reader.bills(BigInt(round.id))).filter((b) => b.aggregator === member.id);
  const open = mine.filter((b) => b.status === 'contracted');
  let readings: MeterReading[];
  if (asContracted) {
    readings = open.map((b) => ({ bill: b.index, deliveredWh: b.contractedWh, consumedWh: b.contractedWh }));
  } else {
    readings = parseReadings(file!);
    for (const r of readings) {
      const b = mine.find((x) => x.index === r.bill);
      if (b === undefined)
        throw new CliError(
          'CLI_NOT_YOURS',
          r.bill < round.contracts
            ? `bill ${r.bill} of round ${round.id} is not one of ${member.id}'s consumers'`
            : `round ${round.id} has no bill ${r.bill} (its bills are 0 to ${round.contracts - 1})`,
          `see \`dpp bill show --round ${round.id}\``,
        );
      if (b.status !== 'contracted')
        throw new CliError(
          'CLI_ALREADY_METERED',
          `bill ${r.bill} is already ${b.status}`,
          'each contract is metered once',
        );
    }
  }
  if (readings.length === 0)
    throw new CliError(
      'CLI_NOTHING_TO_DO',
      `no unmetered contracts of ${member.id}'s consumers in round ${round.id}`,
      `see \`dpp bill show --round ${round.id}\``,
    );
  const p = progress();
  const deliveryEnd = BigInt(round.terms.deliveryEndMs);
  if ((await reader.chainTimeMs()) < deliveryEnd) {
    if (o.wait !== true)
      throw new CliError(
        'CLI_TOO_EARLY',
        `the delivery window of round ${round.id} ends at ${time(deliveryEnd)}`,
        'meter after it, or add --wait',
      );
    await c.waitForChainTime(member, deliveryEnd, p, 'waiting for the delivery window to end');
  }
  const store = await c.open(member);
  const receipt = await submitMeterReadings(c.as(store, p), { round: BigInt(round.id), readings });
  p.done();
  emit(o.json === true, { round: round.id, aggregator: member.id, readings, receipts: [receipt] }, () => {
    console.log(receiptLine(receipt));
    console.log(
      `${member.id} metered ${plural(readings.length, 'contract')} of round ${round.id}; the bills are ${pc.bold('issued')}`,
    );
    for (const r of readings)
      console.log(`  bill ${r.bill}: delivered ${mwh(r.deliveredWh)}, consumed ${mwh(r.consumedWh)}`);
  });
}

function parseReadings(path: string): MeterReading[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CliError(
      'CLI_NO_FILE',
      `cannot read ${path}`,
      'give a CSV (bill,deliveredWh,consumedWh) or JSON file',
    );
  }
  const bad = (where: string): never => {
    throw new CliError(
      'CLI_BAD_READINGS',
      `${path}: ${where}`,
      'each reading is bill,deliveredWh,consumedWh with whole numbers',
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
      rows.push([r.bill, r.deliveredWh, r.consumedWh]);
    }
  } else {
    const lines = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const [i, line] of lines.entries()) {
      const cells = line.split(',').map((x) => x.trim());
      if (i === 0 && !/^\d/.test(cells[0] ?? '')) continue; // header
      if (cells.length !== 3) bad(`line ${i + 1} does not have 3 fields`);
      rows.push(cells);
    }
  }
  const out = rows.map((r, i) => ({
    bill: Number(whole(r[0], `reading ${i + 1}: bill`)),
    deliveredWh: whole(r[1], `reading ${i + 1}: deliveredWh`),
    consumedWh: whole(r[2], `reading ${i + 1}: consumedWh`),
  }));
  if (new Set(out.map((r) => r.bill)).size !== out.length) bad('a bill appears twice');
  return out;
}
