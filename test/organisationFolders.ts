/**
 * Organisations in separate folders, for end-to-end tests of a consortium run by separate
 * organisations (docs/deploy.md "Creating a consortium from separate organisations"): each `dpp`
 * step and each validator runs as a separate process acting for one organisation, which can read
 * its own folder and the public one only.
 *
 * Run as root (CI), each organisation is its own Unix user — its folder owned by it with mode
 * 0700 — and every one of its processes runs under that user, so reading another organisation's
 * folder fails with EACCES; steps of different organisations may run at once. Otherwise (no root
 * to switch users) the steps run one at a time, and while one runs every other organisation's
 * secret files (key store, validator key files) are chmod 000 — not their folders, since their
 * validators keep running and writing there.
 *
 * Public files travel through `public/` (readable by everyone, written by the test: the "mail"),
 * and a file sent to an organisation is copied into its folder, owned by it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { dppBin } from './dppProcess.ts';

/** One organisation: its member id and role, its Unix user (as root), its folder and passphrase. */
export interface Org {
  readonly id: string;
  readonly role: string;
  readonly uid: number;
  readonly dir: string;
  /** Its own temporary folder (tsx's cache goes there). */
  readonly tmp: string;
  readonly passphrase: string;
}

/** A finished `dpp` process. */
export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The files of an organisation's folder no other organisation may read. */
const SECRET_FILES = [
  'keystore.json',
  'validator.key.json',
  'validator.key.json.next',
  'validator.key.json.retired',
];

/** A validator process run by an organisation (`dpp node --config <its folder>/validator.config.json`). */
export class ValidatorProcess {
  /** The last lines it wrote (stdout and stderr), for a failure's message. */
  private readonly lines: string[] = [];
  readonly exit: Promise<number | null>;
  exitCode: number | null | undefined = undefined;

  constructor(
    readonly org: Org,
    readonly process: ChildProcess,
    logFile?: string,
  ) {
    const keep = (d: Buffer) => {
      const text = String(d);
      if (logFile !== undefined) appendFileSync(logFile, text);
      this.lines.push(...text.split('\n').filter((l) => l !== ''));
      if (this.lines.length > 200) this.lines.splice(0, this.lines.length - 200);
    };
    process.stdout!.on('data', keep);
    process.stderr!.on('data', keep);
    this.exit = new Promise((resolve) =>
      process.once('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      }),
    );
  }

  get exited(): boolean {
    return this.exitCode !== undefined;
  }

  /** Its last lines of output. */
  tail(n = 20): string {
    return this.lines.slice(-n).join('\n');
  }

  /** SIGTERM, SIGKILL after 10 s; resolves once it exited. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const kill = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
    this.process.kill('SIGTERM');
    await this.exit;
    clearTimeout(kill);
  }
}

/** The organisations of one test, each in its own folder under one temporary root. */
export class Organisations {
  readonly root: string;
  readonly publicDir: string;
  readonly asRoot = process.getuid?.() === 0;
  private readonly orgs: Org[] = [];
  private readonly validators: ValidatorProcess[] = [];
  /** Without root: one step at a time (each locks the others' secrets while it runs). */
  private turn: Promise<void> = Promise.resolve();

  /** `uidBase`: the first Unix user id (as root), one more per organisation. */
  constructor(
    prefix: string,
    private readonly uidBase: number,
    /** A folder to append each validator's output to (`<member>.log`), for a post-mortem. */
    private readonly logDir?: string,
  ) {
    this.root = mkdtempSync(join(tmpdir(), prefix));
    this.publicDir = join(this.root, 'public');
    chmodSync(this.root, 0o755);
    mkdirSync(this.publicDir, { mode: 0o755 });
  }

  /** A new organisation with an empty folder of its own. */
  add(id: string, role: string): Org {
    const o: Org = {
      id,
      role,
      uid: this.uidBase + this.orgs.length,
      dir: join(this.root, id),
      tmp: join(this.root, `tmp-${id}`),
      passphrase: `${id} passphrase, its own`,
    };
    for (const d of [o.dir, o.tmp]) {
      mkdirSync(d, { mode: 0o700 });
      if (this.asRoot) chownSync(d, o.uid, o.uid);
    }
    this.orgs.push(o);
    return o;
  }

  get(id: string): Org {
    const o = this.orgs.find((x) => x.id === id);
    assert.ok(o !== undefined, `no organisation ${id}`);
    return o;
  }

  /** Runs `f` as `o` would: alone, the other organisations' secrets locked, when not root. */
  async as<T>(o: Org, f: () => Promise<T>): Promise<T> {
    if (this.asRoot) return f();
    const before = this.turn;
    let done = () => {};
    this.turn = new Promise((resolve) => {
      done = resolve;
    });
    await before;
    const locked = this.orgs
      .filter((x) => x !== o)
      .flatMap((x) => SECRET_FILES.map((f) => join(x.dir, f)))
      .filter((f) => existsSync(f))
      .map((f) => ({ f, mode: statSync(f).mode & 0o777 }));
    for (const { f } of locked) chmodSync(f, 0o000);
    try {
      return await f();
    } finally {
      for (const { f, mode } of locked) if (existsSync(f)) chmodSync(f, mode);
      done();
    }
  }

  /** Runs `dpp args…` as organisation `o`: its own user (as root), its own passphrase and folders. */
  run(o: Org, args: readonly string[], timeoutMs = 120_000): Promise<Run> {
    return this.as(
      o,
      () =>
        new Promise<Run>((resolve) => {
          const child = spawn(process.execPath, [dppBin, ...args], {
            cwd: this.root,
            env: { ...this.env(o), DPP_PASSPHRASE: o.passphrase, NO_COLOR: '1' },
            ...(this.asRoot ? { uid: o.uid, gid: o.uid } : {}),
          });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d) => (stdout += d));
          child.stderr.on('data', (d) => (stderr += d));
          const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
          child.on('close', (status) => {
            clearTimeout(timer);
            resolve({ status, stdout, stderr });
          });
        }),
    );
  }

  /** Runs `dpp args… --json` as `o`; asserts it succeeded and returns what it printed. */
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the command, asserted field by field
  async ok(o: Org, args: readonly string[]): Promise<any> {
    const r = await this.run(o, [...args, '--json']);
    assert.equal(r.status, 0, `${o.id}: dpp ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
    return JSON.parse(r.stdout);
  }

  /** Makes `path` (in `o`'s folder, written by the test for it) `o`'s own file. */
  own(o: Org, path: string): void {
    if (this.asRoot) chownSync(path, o.uid, o.uid);
  }

  /** Copies `file` into public/ (as `name`), readable by every organisation; returns its path. */
  publish(file: string, name = basename(file)): string {
    const to = join(this.publicDir, name);
    copyFileSync(file, to);
    chmodSync(to, 0o644);
    return to;
  }

  /** Copies `file` into `o`'s folder (as `name`), owned by it; returns its path. */
  deliver(o: Org, file: string, name = basename(file)): string {
    const to = join(o.dir, name);
    copyFileSync(file, to);
    chmodSync(to, 0o644);
    if (this.asRoot) chownSync(to, o.uid, o.uid);
    return to;
  }

  /**
   * Starts `o`'s validator from its folder (`dpp node --config validator.config.json`), as its user;
   * without root, its turn lasts until `ready` resolves (the node has read its key file by then).
   */
  async startValidator(o: Org, ready: () => Promise<void>): Promise<ValidatorProcess> {
    return this.as(o, async () => {
      const child = spawn(
        process.execPath,
        [dppBin, 'node', '--config', join(o.dir, 'validator.config.json')],
        {
          cwd: this.root,
          env: {
            ...this.env(o),
            DPP_EXIT_WITH_PARENT: '1',
            // the trading centre's validator opens its key store (it traces for the regulator)
            ...(o.role === 'trading-centre' ? { DPP_PASSPHRASE: o.passphrase } : {}),
          },
          ...(this.asRoot ? { uid: o.uid, gid: o.uid } : {}),
        },
      );
      const v = new ValidatorProcess(
        o,
        child,
        this.logDir === undefined ? undefined : join(this.logDir, `${o.id}.log`),
      );
      this.validators.push(v);
      await Promise.race([
        ready(),
        v.exit.then((code) => assert.fail(`${o.id}'s validator exited (${code}) at start:\n${v.tail()}`)),
      ]);
      return v;
    });
  }

  /** Stops every validator still running and deletes the folders. */
  async cleanup(): Promise<void> {
    await Promise.all(this.validators.map((v) => v.stop()));
    rmSync(this.root, { recursive: true, force: true });
  }

  private env(o: Org): Record<string, string | undefined> {
    const { FORCE_COLOR: _f, DPP_PASSPHRASE: _p, ...env } = process.env;
    return { ...env, HOME: o.dir, TMPDIR: o.tmp };
  }
}
