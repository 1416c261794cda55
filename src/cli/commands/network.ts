/**
 * `dpp network up --validators 4`: a local consortium network of validator processes on loopback,
 * in the foreground (Ctrl-C stops every validator). Prints each validator's client endpoint.
 */
import pc from 'picocolors';
import { launchNetwork } from '../../node/launcher.ts';

/** Options of `dpp network up`. */
export interface NetworkUpOptions {
  readonly validators: number;
  readonly dir: string;
  readonly basePort: number;
}

/** Launches the network and waits for Ctrl-C / SIGTERM. */
export async function runNetworkUp(opts: NetworkUpOptions): Promise<void> {
  const net = launchNetwork({
    validators: opts.validators,
    dir: opts.dir,
    basePort: opts.basePort,
    logTo: (i, line) => {
      try {
        const rec = JSON.parse(line) as {
          msg?: string;
          level?: number;
          height?: string;
          view?: string;
          txs?: number;
        };
        if (rec.msg === 'committed' && Number(rec.height) % 10 !== 0 && (rec.txs ?? 0) === 0) return;
        const tag = pc.dim(`[validator-${i}]`);
        const extra =
          rec.height === undefined ? '' : ` height ${rec.height}${rec.txs ? `, ${rec.txs} txs` : ''}`;
        process.stderr.write(
          `${tag} ${rec.msg ?? line}${extra}${rec.view === undefined ? '' : ` (view ${rec.view})`}\n`,
        );
      } catch {
        process.stderr.write(`[validator-${i}] ${line}\n`);
      }
    },
  });
  console.log(`${pc.green('✓')} ${opts.validators} validators starting, files in ${net.dir}`);
  for (const v of net.validators) console.log(`  validator-${v.index}: ${v.apiUrl}/v1/status`);
  console.log(pc.dim('Ctrl-C stops the network.'));
  await new Promise<void>((resolve) => {
    const stop = () => net.stop().then(resolve, resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
