/**
 * `npm run test:mutants -- [--only id,id] [--jobs 2] [--list] [--keep] [--mutants file.json]`: the
 * mutation gate (issue 15).
 *
 * Each mutant of test/mutants/consensus.json (format in test/mutants/mutantList.ts) is a one-line
 * behaviour change to the consensus code, written as exact source edits. This script copies the
 * project (tracked and untracked non-ignored files, so uncommitted work counts; node_modules is a
 * symlink) into one temporary directory per job and first runs every check on the unmutated copy: a
 * gate whose checks fail on good code proves nothing. Then, for each mutant, it applies the edits,
 * type-checks, and runs the checks of CHECK_TIERS in order (within a tier, fastest in the baseline
 * first) until one fails: that check caught the mutant. A mutant that does not type-check, or whose
 * code no longer loads, "broke the build" and fails the gate like a survivor. Equivalent mutants
 * (the list says why no run can tell them apart) are run and reported too.
 *
 * Prints progress to stderr and a markdown table to stdout; exits 1 if a non-equivalent mutant
 * survived, broke the build or no longer applies. --list prints the table (checking that every
 * mutant still applies) without running anything; --keep leaves the temporary copies behind;
 * --mutants reads another list than test/mutants/consensus.json.
 *
 * Time on 2 cores (2026-12-06): 30 mutants about 3 minutes on an idle machine — the baseline about
 * 75 s, a mutant caught by a targeted test about 5 s, one caught by the simulator tests 30–60 s, one
 * that survives every check about 2.5 min; the 38 of today about 9 minutes (521 s; the baseline now
 * also runs the reconfiguration tests and 1,000 reconfiguration seeds). Too long to add to `npm test`'s budget, so CI does not run it: run it
 * before merging any change under src/consensus/ or to src/ledger/certificate.ts, and after
 * changing a check (docs/consensus.md §7.3).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { machineLine } from '../bench/machine.ts';
import { type Applied, applyMutant, type Mutant, readMutants } from '../test/mutants/mutantList.ts';

/** A command run in a project copy; a non-zero exit (or a timeout) means the mutant is caught. */
interface Check {
  readonly name: string;
  readonly argv: readonly string[];
  /** Output lines worth quoting when the check fails (the failing test, the failing seed). */
  readonly quote: RegExp;
}

const root = resolve(import.meta.dirname, '..');
const CHECK_TIMEOUT_MS = 10 * 60_000;
const nodeTest = (file: string): Check => ({
  name: file,
  argv: [process.execPath, '--import', 'tsx', '--test', '--test-reporter=spec', file],
  quote: /^\s*✖ (?!failing tests)|AssertionError|Error \[|^\s*(actual|expected):|SAFETY|LIVENESS/,
});
const consensusTests = readdirSync(join(root, 'test/consensus'))
  .filter((f) => f.endsWith('.test.ts'))
  .sort()
  .map((f) => `test/consensus/${f}`);
/** The on-chain rules of reconfiguration (who may change the validator set) are tested outside test/consensus. */
const RECONFIGURATION_RULE_TESTS = ['test/contracts/validators.test.ts', 'test/ledger/validatorSet.test.ts'];
const isSimulatorTest = (f: string): boolean => /\/simulator[^/]*\.test\.ts$/.test(f);

/**
 * The checks, tier by tier: the targeted consensus tests, the simulator tests, the long simulator
 * run. Within a tier the check that was fastest in the baseline runs first.
 */
const CHECK_TIERS: readonly (readonly Check[])[] = [
  [...consensusTests.filter((f) => !isSimulatorTest(f)), ...RECONFIGURATION_RULE_TESTS].map(nodeTest),
  consensusTests.filter(isSimulatorTest).map(nodeTest),
  [
    {
      name: 'simulate.ts --seeds 2000 --n 4,7',
      argv: [process.execPath, '--import', 'tsx', 'scripts/simulate.ts', '--seeds', '2000', '--n', '4,7'],
      quote: /SAFETY|LIVENESS|\d+ (seeds|scenarios), /,
    },
    {
      name: 'simulate.ts --mode reconfig --seeds 1000 --n 4,7',
      argv: [
        process.execPath,
        '--import',
        'tsx',
        'scripts/simulate.ts',
        '--mode',
        'reconfig',
        '--seeds',
        '1000',
        '--n',
        '4,7',
      ],
      quote: /SAFETY|LIVENESS|\d+ (seeds|scenarios), /,
    },
  ],
];

/** Run before the checks: a mutant must compile. Errors already present in the baseline are ignored. */
const TYPECHECK: Check = {
  name: 'typecheck',
  argv: [join(root, 'node_modules/.bin/tsc'), '--noEmit', '-p', '.'],
  quote: /error TS\d+/,
};

/** Output that means the code did not load, which no check may count as catching a mutant. */
const LOAD_ERROR =
  /ERR_MODULE_NOT_FOUND|ERR_UNKNOWN_FILE_EXTENSION|Transform failed with|SyntaxError: (?!.*JSON)/;

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const MUTANTS = resolve(opt('mutants', join(root, 'test/mutants/consensus.json')));
const jobs = Number(opt('jobs', '2'));
const only = opt('only', '');
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

// ---- the mutants ----------------------------------------------------------------------------

if (!Number.isInteger(jobs) || jobs < 1) {
  log(`--jobs takes a positive whole number, not ${opt('jobs', '')}`);
  process.exit(1);
}
const all = (() => {
  try {
    return readMutants(MUTANTS);
  } catch (err) {
    log(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
})();
const unknown = only === '' ? [] : only.split(',').filter((id) => !all.some((m) => m.id === id));
if (unknown.length > 0) {
  log(`no mutant with id ${unknown.join(', ')} in ${MUTANTS}`);
  process.exit(1);
}
const mutants = only === '' ? all : all.filter((m) => only.split(',').includes(m.id));

/** What happened to a mutant; every kind but `caught` and `survived` fails the gate when not equivalent. */
type Outcome =
  | { kind: 'caught'; by: string; seconds: number; timedOut: boolean; lines: string[] }
  | { kind: 'survived'; seconds: number }
  | { kind: 'broke the build'; by: string; lines: string[] }
  | { kind: 'does not apply'; problem: string };

/** The gate's verdict on one mutant, as the table cell shows it. */
function verdict(m: Mutant, o: Outcome): { text: string; fails: boolean } {
  const seconds = (s: number): string => `${s.toFixed(1)} s`;
  switch (o.kind) {
    case 'does not apply':
      return { text: `NO LONGER APPLIES: ${o.problem}`, fails: true };
    case 'broke the build':
      return { text: `BROKE THE BUILD (${o.by}): ${o.lines[0] ?? ''}`, fails: true };
    case 'survived':
      return m.equivalent === null
        ? { text: `SURVIVED all checks (${seconds(o.seconds)})`, fails: true }
        : { text: `survived (${seconds(o.seconds)}), equivalent: ${m.equivalent}`, fails: false };
    case 'caught': {
      const how = `${o.by} in ${seconds(o.seconds)}${o.timedOut ? ' (timed out: caught by liveness)' : ''}`;
      const first = o.lines[0] === undefined ? '' : ` — ${o.lines[0].trim()}`;
      return m.equivalent === null
        ? { text: `caught by ${how}${first}`, fails: false }
        : { text: `caught (not equivalent after all) by ${how}${first}`, fails: false };
    }
  }
}

function printTable(rows: readonly { m: Mutant; where: string; result: string }[]): void {
  const cell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
  console.log('| id | rule | description | where | result |');
  console.log('|---|---|---|---|---|');
  for (const { m, where, result } of rows) {
    console.log(`| ${[m.id, m.rule, m.description, where, result].map(cell).join(' | ')} |`);
  }
}

const where = (m: Mutant, a: Applied): string => ('line' in a ? `${m.file}:${a.line}` : m.file);

/** The mutant applied to the pristine text of its file (undefined: the file is gone). */
const applyTo = (source: string | undefined, m: Mutant): Applied =>
  source === undefined
    ? { problem: `mutant ${m.id} no longer applies: ${m.file} does not exist` }
    : applyMutant(source, m);

if (args.includes('--list')) {
  const rows = mutants.map((m) => {
    const path = join(root, m.file);
    const a = applyTo(existsSync(path) ? readFileSync(path, 'utf8') : undefined, m);
    const result =
      'problem' in a
        ? `NO LONGER APPLIES: ${a.problem}`
        : m.equivalent === null
          ? 'applies'
          : `applies; equivalent: ${m.equivalent}`;
    return { m, where: where(m, a), result };
  });
  printTable(rows);
  process.exit(rows.some((r) => r.result.startsWith('NO LONGER')) ? 1 : 0);
}

// ---- running a check in a project copy ------------------------------------------------------

const running = new Set<ChildProcess>();

/** Runs a check in `cwd`, killing its whole process group after CHECK_TIMEOUT_MS. */
function run(
  check: Check,
  cwd: string,
): Promise<{ ok: boolean; timedOut: boolean; seconds: number; output: string }> {
  const started = Date.now();
  return new Promise((done) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.FORCE_COLOR;
    delete env.NODE_TEST_CONTEXT; // a check run from inside `node --test` must still be a test run of its own
    const child = spawn(check.argv[0]!, check.argv.slice(1), {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => chunks.push(b));
    child.stderr?.on('data', (b: Buffer) => chunks.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, CHECK_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      const output = Buffer.concat(chunks).toString('utf8');
      done({ ok: code === 0 && !timedOut, timedOut, seconds: (Date.now() - started) / 1000, output });
    });
  });
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The first lines of a failed check's output worth quoting, or its last lines if none match. */
function quote(check: Check, output: string, count = 4): string[] {
  const lines = output
    .split(/[\r\n]+/) // \r: progress lines
    .map((l) => l.trim().replace(/ \(\d+(\.\d+)?ms\)$/, '')) // a test's duration is noise here
    .filter((l) => l !== '');
  const matching = [...new Set(lines.filter((l) => check.quote.test(l)))];
  return (matching.length > 0 ? matching : lines.slice(-count)).slice(0, count);
}

/** Type errors of a tsc run, without the ones the baseline already has. */
const typeErrors = (output: string, baseline: ReadonlySet<string>): string[] =>
  output.split('\n').filter((l) => /error TS\d+/.test(l) && !baseline.has(l));

// ---- project copies -------------------------------------------------------------------------

/** A temporary copy of the project, and the pristine text of every file a mutant edits. */
interface Workspace {
  readonly dir: string;
  readonly pristine: Map<string, string>;
}

function makeWorkspace(parent: string, name: string, files: readonly string[]): Workspace {
  const dir = join(parent, name);
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    copyFileSync(join(root, f), join(dir, f));
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const edited = [...new Set(mutants.map((m) => m.file))].filter((f) => existsSync(join(dir, f)));
  const pristine = new Map(edited.map((f) => [f, readFileSync(join(dir, f), 'utf8')] as const));
  return { dir, pristine };
}

/** Runs `work` over `items` with one worker per workspace; results keep the items' order. */
async function pool<T, R>(
  items: readonly T[],
  workspaces: readonly Workspace[],
  work: (item: T, w: Workspace) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    workspaces.map(async (w) => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!, w);
      }
    }),
  );
  return results;
}

// ---- the gate -------------------------------------------------------------------------------

log(`test:mutants — ${machineLine()}`);
log(`${mutants.length} mutants from ${MUTANTS}, ${jobs} jobs`);

const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\0')
  .filter((f) => f !== '' && !/^node_modules(\/|$)/.test(f) && existsSync(join(root, f)))
  .filter((f) => statSync(join(root, f)).isFile());
const parent = mkdtempSync(join(tmpdir(), 'dpp-mutants-'));
process.on('exit', () => {
  for (const child of running) killGroup(child);
  if (args.includes('--keep')) log(`kept the project copies in ${parent}`);
  else rmSync(parent, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => process.exit(130));
}

const started = Date.now();
const workspaces = Array.from({ length: jobs }, (_, i) => makeWorkspace(parent, `job${i + 1}`, files));
log(`copied ${files.length} files into ${workspaces.length} copies under ${parent}`);

// The baseline: every check on the unmutated code, spread over the copies, the longest (last) first.
const baseline = await pool(
  [...CHECK_TIERS.flat()].reverse().concat(TYPECHECK),
  workspaces,
  async (check, w) => ({
    check,
    ...(await run(check, w.dir)),
  }),
);
const baselineTypeErrors = new Set(
  typeErrors(baseline.find((r) => r.check === TYPECHECK)!.output, new Set()),
);
if (baselineTypeErrors.size > 0) {
  log(
    `warning: the unmutated project has ${baselineTypeErrors.size} type errors (npm run typecheck); only new ones count against a mutant`,
  );
}
for (const r of [...baseline].reverse()) {
  const status = r.ok ? 'passed' : r.timedOut ? 'TIMED OUT' : 'FAILED';
  log(`baseline: ${r.check.name} ${status} in ${r.seconds.toFixed(1)} s`);
}
const failedBaseline = baseline.filter((r) => !r.ok && r.check !== TYPECHECK);
if (failedBaseline.length > 0) {
  for (const r of failedBaseline) {
    const why = r.timedOut ? `timed out after ${CHECK_TIMEOUT_MS / 1000} s` : 'fails';
    log(`\n${r.check.name} ${why} on the unmutated code:\n  ${quote(r.check, r.output, 8).join('\n  ')}`);
  }
  log('\nthe gate proves nothing while its checks fail on good code: fix the code or the checks first');
  process.exit(1);
}
const baselineSeconds = (c: Check): number => baseline.find((r) => r.check === c)!.seconds;
const CHECKS = CHECK_TIERS.flatMap((tier) =>
  [...tier].sort((a, b) => baselineSeconds(a) - baselineSeconds(b)),
);
log(`checks for each mutant, in order: ${[TYPECHECK, ...CHECKS].map((c) => c.name).join(', ')}`);

/** Applies one mutant in a copy, runs the checks until one fails, and restores the file. */
async function tryMutant(m: Mutant, applied: Applied, w: Workspace): Promise<Outcome> {
  if ('problem' in applied) return { kind: 'does not apply', problem: applied.problem };
  const path = join(w.dir, m.file);
  writeFileSync(path, applied.text);
  try {
    const tsc = await run(TYPECHECK, w.dir);
    const newErrors = typeErrors(tsc.output, baselineTypeErrors);
    if (newErrors.length > 0) return { kind: 'broke the build', by: TYPECHECK.name, lines: newErrors };
    let seconds = tsc.seconds;
    for (const check of CHECKS) {
      const r = await run(check, w.dir);
      seconds += r.seconds;
      if (r.ok) continue;
      const loadError = r.output.split('\n').find((l) => LOAD_ERROR.test(l));
      if (loadError !== undefined) return { kind: 'broke the build', by: check.name, lines: [loadError] };
      const lines = quote(check, r.output);
      if (r.timedOut) lines.unshift(`timed out after ${CHECK_TIMEOUT_MS / 1000} s`);
      return { kind: 'caught', by: check.name, seconds, timedOut: r.timedOut, lines };
    }
    return { kind: 'survived', seconds };
  } finally {
    writeFileSync(path, w.pristine.get(m.file)!);
  }
}

let finished = 0;
const rows = await pool(mutants, workspaces, async (m, w) => {
  const applied = applyTo(w.pristine.get(m.file), m);
  const outcome = await tryMutant(m, applied, w);
  finished += 1;
  log(`[${finished}/${mutants.length}] ${m.id}: ${verdict(m, outcome).text}`);
  return { m, where: where(m, applied), result: verdict(m, outcome).text, outcome };
});

printTable(rows);
console.log('\nFirst lines of the output that caught (or broke) each mutant:\n');
for (const { m, outcome } of rows) {
  if (outcome.kind === 'caught' || outcome.kind === 'broke the build') {
    console.log(`- ${m.id} (${outcome.by}):\n${outcome.lines.map((l) => `    ${l}`).join('\n')}`);
  }
}
const failing = rows.filter((r) => verdict(r.m, r.outcome).fails);
const took = ((Date.now() - started) / 1000).toFixed(0);
log(
  `\n${mutants.length - failing.length}/${mutants.length} mutants pass the gate; the whole run took ${took} s`,
);
process.exitCode = failing.length > 0 ? 1 : 0;
