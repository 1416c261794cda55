/**
 * Linux network namespaces as stand-ins for separate hosts, for the end-to-end test of validators
 * on many machines (test/e2e/multiHost.test.ts, docs/deploy.md "Many hosts"). One namespace per
 * host, each with its own IPv4 address on one bridge in the root namespace — which has an address
 * on it too, so that the test process reaches every host's API — and the faults of a real network
 * between sites:
 *
 * - delay: `tc qdisc … netem delay` on each host's link (every packet into a host waits), or, on a
 *   kernel built without sch_netem, a userspace relay in each host in front of its validator's p2p
 *   port that holds every chunk of both directions for the delay (`startDelayRelay`);
 * - a host cut off: its link down (`ip link set … down`, a pulled cable);
 * - a partition: blackhole routes between the groups' addresses (a firewall dropping everything
 *   between two sites), while the root namespace still reaches every host.
 *
 * Every name carries the creating process's pid, so that a run that crashed before its teardown
 * blocks no later one, and the subnet is one no address or route of the root namespace uses yet.
 * `destroy` removes it all; it also runs when the process exits or gets SIGINT or SIGTERM first
 * (only a SIGKILL leaves the namespaces, links and bridge behind: `ip netns list`).
 * Needs Linux, root (CAP_NET_ADMIN, CAP_SYS_ADMIN) and iproute2; a refusal of the kernel or a
 * missing `ip` throws `LabUnavailable` with the reason, any other failure a plain Error.
 */
import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

/** One host: its namespace, its address and the root side of its link. */
export interface Host {
  readonly index: number;
  readonly ns: string;
  readonly ip: string;
  /** The veth end in the root namespace, a port of the bridge (the host's end is `eth0`). */
  readonly link: string;
}

/** The kernel or the machine refuses namespaces: why, in words (the test skips with it). */
export class LabUnavailable extends Error {
  override readonly name = 'LabUnavailable';
}

/** `ip`'s path: PATH may lack the sbin folders when not root. */
const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((p) => existsSync(p)) ?? 'ip';
const TC = ['/usr/sbin/tc', '/sbin/tc', '/usr/bin/tc'].find((p) => existsSync(p)) ?? 'tc';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** What the kernel says when it will not: no privilege, no such device type, no namespace support. */
const REFUSAL =
  /Operation not permitted|Permission denied|Unknown device type|not supported|No such file or directory|Cannot open network namespace/i;

interface Run {
  readonly ok: boolean;
  readonly out: string;
}

function run(cmd: string, args: readonly string[]): Run {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error !== undefined) return { ok: false, out: `${cmd}: ${r.error.message}` };
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim() };
}

/** Runs `ip args…`; throws with its output when it fails. */
function ip(args: readonly string[]): void {
  const r = run(IP, args);
  if (!r.ok) throw new Error(`ip ${args.join(' ')}: ${r.out}`);
}

/** Why no lab can be made here, or undefined when it can be tried. */
function unavailable(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces are Linux only (this is ${process.platform})`;
  const v = run(IP, ['-V']);
  if (!v.ok) return `iproute2's \`ip\` is not installed (${v.out}); apt-get install iproute2`;
  return undefined;
}

/** A third octet for 10.77.x.0/24 that no address or route of the root namespace mentions. */
function freeSubnet(): string {
  const used = `${run(IP, ['-4', '-o', 'addr', 'show']).out}\n${run(IP, ['-4', 'route', 'show', 'table', 'all']).out}`;
  for (let k = 0; k < 200; k++) {
    const x = 20 + ((process.pid + k) % 200);
    if (!used.includes(`10.77.${x}.`)) return `10.77.${x}`;
  }
  throw new Error('no free 10.77.x.0/24 subnet in 10.77.20–219');
}

/** A set of hosts on one bridge, made by `createLab` and removed by `destroy`. */
export interface Lab {
  readonly hosts: readonly Host[];
  /** `cmd args…` run inside `host`'s namespace (`ip netns exec`); the process is `cmd` itself. */
  spawnIn(host: Host, cmd: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Whether the kernel has netem (a qdisc added and removed again on a host's link). */
  hasNetem(): boolean;
  /** netem delay of `ms` on every host's link (0: removes it). */
  delay(ms: number): void;
  /** Takes host `i`'s link down (true) or up again (false). */
  cutOff(i: number, cut: boolean): void;
  /** Blackhole routes between every two hosts in different groups; `[]` removes every one. */
  partition(groups: readonly (readonly number[])[]): void;
  /** Removes the links, the bridge and the namespaces; best effort, returns what it could not remove. */
  destroy(): string[];
}

/** Makes `n` hosts named after `tag` and this process's pid; LabUnavailable when the kernel refuses. */
export function createLab(n: number, tag: string): Lab {
  const why = unavailable();
  if (why !== undefined) throw new LabUnavailable(why);
  const id = `${tag}${process.pid}`;
  if (id.length > 11) throw new Error(`lab tag ${tag} too long for interface names`);
  const subnet = freeSubnet();
  const bridge = `${id}br`;
  const hosts: Host[] = Array.from({ length: n }, (_, i) => ({
    index: i,
    ns: `${id}h${i}`,
    ip: `${subnet}.${i + 1}`,
    link: `${id}v${i}`,
  }));
  const made = { bridge: false, hosts: [] as Host[] };
  const onExit = () => lab.destroy();
  const onSignal = (signal: NodeJS.Signals) => {
    lab.destroy();
    process.kill(process.pid, signal);
  };
  let netem = false;
  let routes: { ns: string; to: string }[] = [];

  const lab: Lab = {
    hosts,
    spawnIn: (host, cmd, args, options = {}) => spawn(IP, ['netns', 'exec', host.ns, cmd, ...args], options),
    hasNetem() {
      const probe = run(TC, ['qdisc', 'add', 'dev', hosts[0]!.link, 'root', 'netem', 'delay', '0ms']);
      if (probe.ok) run(TC, ['qdisc', 'del', 'dev', hosts[0]!.link, 'root']);
      return probe.ok;
    },
    delay(ms) {
      for (const h of hosts) {
        if (netem) run(TC, ['qdisc', 'del', 'dev', h.link, 'root']);
        if (ms === 0) continue;
        const r = run(TC, ['qdisc', 'add', 'dev', h.link, 'root', 'netem', 'delay', `${ms}ms`]);
        if (!r.ok) throw new Error(`tc qdisc add dev ${h.link} root netem delay ${ms}ms: ${r.out}`);
      }
      netem = ms !== 0;
    },
    cutOff(i, cut) {
      ip(['link', 'set', hosts[i]!.link, cut ? 'down' : 'up']);
    },
    partition(groups) {
      for (const r of routes) ip(['-n', r.ns, 'route', 'del', 'blackhole', `${r.to}/32`]);
      routes = [];
      const group = (i: number) => groups.findIndex((g) => g.includes(i));
      for (const a of hosts)
        for (const b of hosts)
          if (a !== b && group(a.index) !== group(b.index)) {
            ip(['-n', a.ns, 'route', 'add', 'blackhole', `${b.ip}/32`]);
            routes.push({ ns: a.ns, to: b.ip });
          }
    },
    destroy() {
      process.removeListener('exit', onExit);
      for (const signal of SIGNALS) process.removeListener(signal, onSignal);
      const failed: string[] = [];
      const step = (args: string[]) => {
        const r = run(IP, args);
        if (!r.ok && !/Cannot find device|No such file/.test(r.out))
          failed.push(`ip ${args.join(' ')}: ${r.out}`);
      };
      // deleting the root end of a veth deletes both ends (and its qdisc)
      for (const h of made.hosts) step(['link', 'del', h.link]);
      if (made.bridge) step(['link', 'del', bridge]);
      for (const h of made.hosts) step(['netns', 'del', h.ns]);
      made.bridge = false;
      made.hosts = [];
      return failed;
    },
  };

  /** Runs `ip args…`; a refusal of the kernel undoes what was made and throws LabUnavailable. */
  const setup = (args: readonly string[]) => {
    const r = run(IP, args);
    if (r.ok) return;
    lab.destroy();
    const what = `\`ip ${args.join(' ')}\` failed: ${r.out}`;
    if (REFUSAL.test(r.out))
      throw new LabUnavailable(
        `the kernel refuses: ${what} (needs root with CAP_NET_ADMIN and CAP_SYS_ADMIN)`,
      );
    throw new Error(what);
  };
  for (const h of hosts) {
    setup(['netns', 'add', h.ns]);
    made.hosts.push(h);
  }
  setup(['link', 'add', bridge, 'type', 'bridge']);
  made.bridge = true;
  // bridged frames skip the root namespace's iptables (bridge-nf-call-iptables): a host firewall
  // with a DROP policy on FORWARD would otherwise cut the hosts apart
  setup(['link', 'set', bridge, 'type', 'bridge', 'nf_call_iptables', '0']);
  setup(['addr', 'add', `${subnet}.254/24`, 'dev', bridge]);
  setup(['link', 'set', bridge, 'up']);
  for (const h of hosts) {
    setup(['link', 'add', h.link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns]);
    setup(['link', 'set', h.link, 'master', bridge, 'up']);
    setup(['-n', h.ns, 'addr', 'add', `${h.ip}/24`, 'dev', 'eth0']);
    setup(['-n', h.ns, 'link', 'set', 'eth0', 'up']);
    setup(['-n', h.ns, 'link', 'set', 'lo', 'up']);
  }
  // a test that exits or is interrupted before its teardown still leaves nothing behind
  process.once('exit', onExit);
  for (const signal of SIGNALS) process.once(signal, onSignal);
  return lab;
}

/** A relay process started in a host: set its delay, stop it. */
export interface DelayRelay {
  readonly process: ChildProcess;
  /** Holds every chunk of both directions `ms` milliseconds from now on (resolves once the relay says so). */
  setDelay(ms: number): Promise<void>;
  stop(): void;
}

/**
 * Starts, inside `host`, a TCP relay from `listen` to `target` (both host:port) — the stand-in for
 * netem on a kernel without it: the validator listens on `target`, its peers dial `listen`.
 * Resolves once it listens.
 */
export function startDelayRelay(
  lab: Lab,
  host: Host,
  listen: { host: string; port: number },
  target: { host: string; port: number },
): Promise<DelayRelay> {
  const code = `import { runDelayRelay } from ${JSON.stringify(import.meta.filename)}; runDelayRelay(${JSON.stringify({ listen, target })});`;
  const child = lab.spawnIn(host, process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const waiters: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiters.shift()?.(line));
  const next = (what: string) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`relay in ${host.ns}: no answer to ${what}`)), 20_000);
      waiters.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  const relay: DelayRelay = {
    process: child,
    async setDelay(ms) {
      const ack = next(`delay ${ms}`);
      child.stdin!.write(`delay ${ms}\n`);
      if ((await ack) !== `delay ${ms}`) throw new Error(`relay in ${host.ns} did not set delay ${ms}`);
    },
    stop() {
      child.stdin!.end();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
  return next('start').then((line) => {
    if (line !== 'listening') throw new Error(`relay in ${host.ns}: ${line}`);
    return relay;
  });
}

/**
 * The relay itself (run by `startDelayRelay` in the host's namespace): accepts on `listen`, connects
 * each accepted socket to `target`, and forwards each chunk `delay` ms after it arrived, in order.
 * Commands on stdin: `delay <ms>` (answered with the same line); stdin's end stops it.
 */
export function runDelayRelay(o: {
  listen: { host: string; port: number };
  target: { host: string; port: number };
}): void {
  let delayMs = 0;
  const pipe = (from: Socket, to: Socket) => {
    const queue: { due: number; chunk: Buffer }[] = [];
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const flush = () => {
      timer = undefined;
      const now = Date.now();
      while (queue.length > 0 && queue[0]!.due <= now) to.write(queue.shift()!.chunk);
      if (queue.length > 0) timer = setTimeout(flush, queue[0]!.due - now);
      else if (ended) to.end();
    };
    from.on('data', (chunk) => {
      // never before an earlier chunk: a shorter delay set meanwhile does not reorder the stream
      const due = Math.max(Date.now() + delayMs, queue.at(-1)?.due ?? 0);
      queue.push({ due, chunk });
      if (timer === undefined) timer = setTimeout(flush, due - Date.now());
    });
    from.on('end', () => {
      ended = true;
      if (timer === undefined) flush();
    });
    from.on('close', () => {
      if (!ended) to.destroy();
    });
    from.on('error', () => to.destroy());
  };
  const server = createServer((inbound) => {
    inbound.setNoDelay(true);
    const outbound = createConnection(o.target);
    outbound.setNoDelay(true);
    pipe(inbound, outbound);
    pipe(outbound, inbound);
  });
  server.on('error', (err) => {
    process.stdout.write(`error ${err.message}\n`);
    process.exit(1);
  });
  server.listen(o.listen.port, o.listen.host, () => process.stdout.write('listening\n'));
  const commands = createInterface({ input: process.stdin });
  commands.on('line', (line) => {
    const m = /^delay (\d+)$/.exec(line);
    if (m === null) return;
    delayMs = Number(m[1]);
    process.stdout.write(`${line}\n`);
  });
  // the test ended (or died): stop
  commands.on('close', () => process.exit(0));
}
