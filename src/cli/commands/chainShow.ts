/**
 * `dpp block show <height>` and `dpp tx show <id>`: a block with its receipts, and a transaction's
 * place in the chain — the node's inclusion proof checked against the block header and the header's
 * commit certificate checked against the validators of its block (the genesis keys, or a set proven from them: src/client/nodeClient.ts), so
 * "committed" here is verified, not taken on trust. `dpp tx resend <id>` sends a transaction kept in
 * the outbox (../outbox.ts) again, byte for byte, and waits for its commit.
 */
import type { Command } from 'commander';
import pc from 'picocolors';
import { type AsOptions, Consortium, type ParticipantOptions, participantCommand } from '../consortium.ts';
import { CliError, emit, plural, progress, receiptLine, short, time } from '../output.ts';
import { txId, wholeNumber } from '../parse.ts';

/** Adds `dpp block show`, `dpp tx show` and `dpp tx resend`. */
export function register(program: Command): void {
  const block = program.command('block').description('blocks');
  participantCommand(
    block.command('show').argument('<height>', 'block height').description('a block with its receipts'),
  ).action((height: string, opts: AsOptions) => blockShow({ ...opts, height }));
  const tx = program.command('tx').description('transactions');
  participantCommand(
    tx
      .command('show')
      .argument('<id>', 'transaction id (64 hex)')
      .description('where a transaction is, with its inclusion proof verified'),
  ).action((id: string, opts: AsOptions) => txShow({ ...opts, id }));
  participantCommand(
    tx
      .command('resend')
      .argument('<id>', 'a transaction a command reported as not committed (kept in outbox/)')
      .description('send the same signed transaction again and wait for its commit (a duplicate is refused)'),
  ).action((id: string, opts: ParticipantOptions) => txResend({ ...opts, id }));
}

/** `dpp block show`. */
async function blockShow(o: AsOptions & { readonly height: string }): Promise<void> {
  const height = BigInt(wholeNumber(o.height, 'the height', 0, Number.MAX_SAFE_INTEGER));
  const c = await Consortium.load(o);
  const client = c.client(o.as === undefined ? c.tradingCentre() : c.member(o.as));
  const block = await client.block(height, true).catch((err: unknown) => {
    if ((err as { code?: string }).code === 'API_NOT_FOUND')
      throw new CliError(
        'CLI_NO_BLOCK',
        `there is no block ${height} yet`,
        'see the height with `dpp network status`',
      );
    throw err;
  });
  emit(o.json === true, block, () => {
    console.log(`block ${pc.bold(block.height)} ${block.hash}`);
    console.log(
      `  time ${time(block.timestampMs)} · view ${block.view} · proposer validator-${block.proposer}`,
    );
    console.log(
      `  signed by validators [${block.certificate.signers.join(', ')}] · state root ${short(block.stateRoot)}`,
    );
    console.log(`  ${plural(block.txIds.length, 'transaction')}`);
    block.txIds.forEach((id, i) => {
      const r = block.receipts?.[i];
      console.log(
        `    ${id} ${r === undefined ? '' : r.status === 'ok' ? pc.green('ok') : pc.red(`failed ${r.code}`)}`,
      );
    });
  });
}

/** `dpp tx show`. */
async function txShow(o: AsOptions & { readonly id: string }): Promise<void> {
  const id = txId(o.id);
  const c = await Consortium.load(o);
  const client = c.client(o.as === undefined ? c.tradingCentre() : c.member(o.as));
  const st = await client.tx(id);
  if (st.status === 'unknown')
    throw new CliError(
      'CLI_NO_TX',
      `no transaction ${id} on this node: neither committed nor pending`,
      'check the id; a transaction the node dropped is forgotten',
    );
  const view =
    st.status === 'committed'
      ? {
          id: st.id,
          status: st.status,
          height: st.height.toString(),
          index: st.index,
          blockHash: st.blockHash,
          receipt: st.receipt,
          inclusionProofVerified: true,
          certificateVerified: st.certified,
        }
      : { id: st.id, status: st.status };
  emit(o.json === true, view, () => {
    if (st.status !== 'committed') {
      console.log(`transaction ${id}: ${st.status}`);
      return;
    }
    const r = st.receipt.status === 'ok' ? pc.green('ok') : pc.red(`failed ${st.receipt.code}`);
    console.log(`transaction ${st.id}: committed in block ${st.height} at index ${st.index}, receipt ${r}`);
    console.log(`  ${pc.green('✓')} inclusion proof verified against the header’s tx root`);
    console.log(
      `  ${st.certified ? pc.green('✓') : '-'} commit certificate ${st.certified ? 'verified against its validator set (proven from genesis)' : 'not checked'}`,
    );
  });
}

/** `dpp tx resend`: the same signed transaction again; a copy of a committed one is refused, and its commit reported. */
async function txResend(o: ParticipantOptions & { readonly id: string }): Promise<void> {
  const id = txId(o.id);
  const c = await Consortium.load(o);
  const p = progress();
  const r = await c.resend(id, p);
  p.done();
  emit(o.json === true, r, () => {
    console.log(receiptLine(r));
    if (r.alreadySent)
      console.log(
        pc.dim(
          '  the node already had it (pending or committed): the copy was refused, nothing was sent twice',
        ),
      );
  });
}
