/**
 * Free loopback ports for tests that launch validator networks. Test files run concurrently (and a
 * developer may run `npm test` twice), so each picks, at random within its own range, a block of
 * consecutive ports that are all free now.
 */
import { createServer } from 'node:net';

/** True when `port` can be listened on at 127.0.0.1. */
export function isFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createServer();
    s.once('error', () => done(false));
    s.listen(port, '127.0.0.1', () => s.close(() => done(true)));
  });
}

/** A base port `lo + k·width` (k < slots) whose `width` consecutive ports are all free. */
export async function freeBasePort(lo: number, slots: number, width: number): Promise<number> {
  for (;;) {
    const base = lo + width * Math.floor(Math.random() * slots);
    const ports = Array.from({ length: width }, (_, i) => base + i);
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return base;
  }
}
