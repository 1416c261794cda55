/**
 * A validator transport in its own process, for the crash test: `node --import tsx childTransport.ts
 * <self> <n> <ports as JSON>`. It prints `{"port":…}` once listening and echoes every frame back to
 * its sender with a 0xEC byte in front.
 */
import { startTransport } from '../../src/p2p/transport.ts';
import { optionsFor } from './fixtures.ts';

const [self, n, ports] = [
  Number(process.argv[2]),
  Number(process.argv[3]),
  JSON.parse(process.argv[4] ?? '{}'),
];
const net = await startTransport(
  optionsFor(self, n, new Map(Object.entries(ports).map(([k, v]) => [Number(k), Number(v)]))),
);
net.onMessage((from, bytes) => net.send(from, Uint8Array.of(0xec, ...bytes)));
process.stdout.write(`${JSON.stringify({ port: net.address.port })}\n`);
process.on('SIGTERM', () => void net.close().then(() => process.exit(0)));
