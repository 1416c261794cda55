import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { startTransport, type Transport } from '../../src/p2p/transport.ts';
import { closeAll, fullMesh, optionsFor, startMesh, waitFor } from './fixtures.ts';

describe('reconnection', () => {
  it('a transport closed and started again on the same port is redialed and messages flow again', async () => {
    const { nets, ports } = await startMesh(4);
    const all: (Transport | undefined)[] = [...nets];
    try {
      await fullMesh(nets);
      const got = new Map<string, number>();
      const listen = (t: Transport, i: number) =>
        t.onMessage((from, b) => got.set(`${from}>${i}`, (got.get(`${from}>${i}`) ?? 0) + b.length));
      nets.forEach(listen);
      const epoch = nets[0]!.linkEpoch(2);

      await nets[2]!.close();
      await waitFor(
        () => [0, 1, 3].every((i) => !nets[i]!.connectedPeers().includes(2)),
        'peers to see 2 go',
      );
      assert.equal(nets[0]!.send(2, Uint8Array.of(1)), false, 'no link while 2 is down');
      assert.ok(nets[0]!.stats().peers.find((p) => p.index === 2)!.unroutable >= 1);

      // Same index, key and port: 0 and 1 redial it with backoff, it dials 3 itself.
      const restarted = await startTransport(optionsFor(2, 4, ports));
      all[2] = restarted;
      assert.equal(restarted.address.port, ports.get(2));
      listen(restarted, 2);
      const mesh = [nets[0]!, nets[1]!, restarted, nets[3]!];
      await fullMesh(mesh);
      for (const [i, t] of mesh.entries()) t.broadcast(new Uint8Array(10 + i));
      await waitFor(
        () => mesh.every((_, i) => mesh.every((_, j) => i === j || got.get(`${j}>${i}`) === 10 + j)),
        'broadcasts from every validator to every other',
      );
      assert.ok(nets[0]!.stats().peers.find((p) => p.index === 2)!.reconnects >= 1);
      assert.ok(nets[1]!.stats().peers.find((p) => p.index === 2)!.reconnects >= 1);
      // [EPOCH] a new connection: frames taken before it may not have arrived
      assert.ok(nets[0]!.linkEpoch(2) > epoch, 'the link to the restarted peer has a new epoch');
      assert.throws(() => nets[0]!.linkEpoch(9), { code: 'P2P_UNKNOWN_PEER' });
    } finally {
      await closeAll(all);
    }
  });

  it('a validator process killed with SIGKILL and restarted on the same port is accepted again', async () => {
    // Validators 0 and 2 run here; validator 1 runs in a child process that echoes frames.
    const ports = new Map<number, number>();
    const t2 = await startTransport(optionsFor(2, 3, ports));
    ports.set(2, t2.address.port);
    let child = await spawnChild(1, 3, ports);
    ports.set(1, child.port);
    const t0 = await startTransport(optionsFor(0, 3, ports));
    const echoes: string[] = [];
    for (const [i, t] of [t0, t2].entries())
      t.onMessage((from, b) => {
        if (b[0] === 0xec) echoes.push(`${from}>${i * 2}:${b[1]}`);
      });
    try {
      await waitFor(
        () => t0.connectedPeers().length === 2 && t2.connectedPeers().length === 2,
        'the mesh of 3',
      );
      t0.send(1, Uint8Array.of(1));
      t2.send(1, Uint8Array.of(2));
      await waitFor(() => echoes.includes('1>0:1') && echoes.includes('1>2:2'), 'echoes from the child');

      child.proc.kill('SIGKILL');
      await waitFor(() => !t0.connectedPeers().includes(1) && !t2.connectedPeers().includes(1), 'the crash');
      assert.deepEqual(t0.connectedPeers(), [2], 'the 0–2 link is untouched');

      child = await spawnChild(1, 3, ports);
      assert.equal(child.port, ports.get(1));
      await waitFor(
        () => t0.connectedPeers().includes(1) && t2.connectedPeers().includes(1),
        'the restarted child',
      );
      t0.send(1, Uint8Array.of(3));
      t2.send(1, Uint8Array.of(4));
      await waitFor(() => echoes.includes('1>0:3') && echoes.includes('1>2:4'), 'echoes after the restart');
    } finally {
      child.proc.kill('SIGKILL');
      await closeAll([t0, t2]);
    }
  });
});

async function spawnChild(
  self: number,
  n: number,
  ports: ReadonlyMap<number, number>,
): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL('./childTransport.ts', import.meta.url).pathname,
      String(self),
      String(n),
      JSON.stringify(Object.fromEntries(ports)),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(JSON.parse(line).port);
    });
    proc.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
  return { proc, port };
}
