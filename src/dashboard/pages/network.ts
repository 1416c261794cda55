/** Network: validators, committed TPS over time, and a block explorer with Merkle-proof checks. */
import { fromHex, toHex } from '../../codec/bytes.ts';
import { blockHash, decodeHeader } from '../../ledger/blockHeader.ts';
import { verifyInclusion } from '../../ledger/merkle.ts';
import { get } from '../api.ts';
import { type Page, throttle } from '../app.ts';
import { lineChart } from '../charts.ts';
import { fill, h, short, table } from '../dom.ts';

interface Status {
  height: string;
  view: string;
  primary: number;
  inViewChange: boolean;
  lastCommitAtMs: number | null;
  headTimestampMs: string;
  mempool: number;
  peers: number[];
}
interface BlockView {
  height: string;
  hash: string;
  timestampMs: string;
  proposer: number;
  view: string;
  txIds: string[];
  txRoot: string;
}

interface ValidatorSets {
  epochs: { number: number; base: string; validators: { slot: number; name: string }[] }[];
  pending: { activation: string; type: string; name: string } | null;
}

export const networkPage: Page = async (root, app) => {
  const validators = h('section', { 'aria-labelledby': 'validators-h' });
  const sets = h('section', { 'aria-labelledby': 'sets-h' });
  const tps = h('section', { 'aria-labelledby': 'tps-h' }, h('h2', { id: 'tps-h' }, 'Committed throughput'));
  const tpsChart = h('div', { class: 'chart' });
  tps.append(tpsChart);
  const blocks = h('section', { 'aria-labelledby': 'blocks-h' });
  const detail = h('section', { 'aria-live': 'polite', class: 'detail' });
  fill(root, h('h1', {}, 'Network'), validators, sets, tps, blocks, detail);

  const showValidators = async () => {
    const net = await get<{
      self: number;
      validators: { index: number; api: string | null; status: Status | null }[];
    }>('/v1/network');
    fill(
      validators,
      h('h2', { id: 'validators-h' }, 'Validators'),
      table(
        'Each validator’s consensus state (answered by this node for itself, fetched from the others)',
        ['validator', 'height', 'view', 'primary', 'last commit', 'mempool', 'peers'],
        net.validators.map((v) =>
          v.status === null
            ? [`validator-${v.index}`, 'unreachable', '', '', '', '', '']
            : [
                `validator-${v.index}${v.index === net.self ? ' (this node)' : ''}`,
                v.status.height,
                `${v.status.view}${v.status.inViewChange ? ' (view change)' : ''}`,
                `validator-${v.status.primary}`,
                v.status.lastCommitAtMs === null
                  ? '—'
                  : `${Math.max(0, (Date.now() - v.status.lastCommitAtMs) / 1000).toFixed(1)} s ago`,
                v.status.mempool,
                v.status.peers.length,
              ],
        ),
        'validators',
      ),
    );
  };

  /** The validator sets so far (docs/consensus.md §9) and the change waiting for its activation block. */
  const showSets = async () => {
    const v = await get<ValidatorSets>('/v1/validators');
    fill(
      sets,
      h('h2', { id: 'sets-h' }, 'Validator sets'),
      table(
        'Each set certifies the blocks after its first height; a change takes effect at a multiple of 16',
        ['set', 'certifies blocks after', 'validators'],
        [...v.epochs]
          .reverse()
          .map((e) => [
            String(e.number),
            e.base,
            e.validators.map((x) => `${x.name} (${x.slot})`).join(', '),
          ]),
        'validator sets',
      ),
      h(
        'p',
        {},
        v.pending === null
          ? 'No change pending.'
          : `Pending: ${v.pending.type} ${v.pending.name}, in force after block ${v.pending.activation}.`,
      ),
    );
  };

  const showBlocks = async () => {
    const page = await get<{ head: string; blocks: BlockView[] }>('/v1/blocks?limit=100');
    const list = [...page.blocks].reverse();
    // Committed TPS per block interval, by block time.
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 1; i < page.blocks.length; i++) {
      const b = page.blocks[i]!;
      const dt = (Number(b.timestampMs) - Number(page.blocks[i - 1]!.timestampMs)) / 1000;
      xs.push(Number(b.timestampMs) / 1000);
      ys.push(dt > 0 ? b.txIds.length / dt : 0);
    }
    tpsChart.replaceChildren();
    if (xs.length > 1)
      lineChart(
        tpsChart,
        'Committed transactions per second (last 100 blocks)',
        'block time',
        xs,
        [{ label: 'tx/s', values: ys }],
        { time: true },
      );
    fill(
      blocks,
      h('h2', { id: 'blocks-h' }, 'Latest blocks'),
      table(
        'The 20 latest committed blocks',
        ['height', 'time', 'txs', 'proposer', 'hash', ''],
        list
          .slice(0, 20)
          .map((b) => [
            b.height,
            new Date(Number(b.timestampMs)).toLocaleTimeString(),
            b.txIds.length,
            `validator-${b.proposer}`,
            short(b.hash),
            h(
              'button',
              { type: 'button', 'aria-label': `Show block ${b.height}`, onclick: () => void showBlock(b) },
              'Show',
            ),
          ]),
        'blocks',
      ),
    );
  };

  const showBlock = async (b: BlockView) => {
    fill(
      detail,
      h('h2', {}, `Block ${b.height}`),
      h('p', {}, 'Transaction root ', short(b.txRoot, 16), ` · ${b.txIds.length} transactions`),
      table(
        `Transactions of block ${b.height}`,
        ['#', 'id', 'inclusion'],
        b.txIds.map((id, i) => {
          const cell = h('span', {});
          const check = h(
            'button',
            {
              type: 'button',
              'aria-label': `Check the Merkle proof of transaction ${id.slice(0, 10)}`,
              onclick: () => void verifyTx(id, cell),
            },
            'Check proof',
          );
          cell.append(check);
          return [i, short(id, 16), cell];
        }),
        'block-txs',
      ),
    );
  };

  const verifyTx = async (id: string, cell: HTMLElement) => {
    const t = await get<{
      status: string;
      blockHash: string;
      header: string;
      proof: { leafIndex: number; treeSize: number; path: string[] };
    }>(`/v1/tx/${id}`);
    if (t.status !== 'committed') return fill(cell, t.status);
    const header = decodeHeader(fromHex(t.header));
    const hashOk = toHex(blockHash(header)) === t.blockHash;
    const proofOk = verifyInclusion(header.txRoot, fromHex(id), {
      leafIndex: t.proof.leafIndex,
      treeSize: t.proof.treeSize,
      path: t.proof.path.map(fromHex),
    });
    fill(
      cell,
      h(
        'strong',
        { class: hashOk && proofOk ? 'ok' : 'bad', 'data-testid': 'proof-result' },
        hashOk && proofOk
          ? `✓ verified in this browser: audit path of ${t.proof.path.length} hashes to txRoot`
          : '✗ proof does not verify',
      ),
    );
  };

  await Promise.all([showValidators(), showSets(), showBlocks()]);
  const refresh = throttle(
    () => void Promise.all([showValidators(), showSets(), showBlocks()]).catch(() => {}),
    2_000,
  );
  app.onEvent((e) => {
    if (e.type === 'block') refresh();
  });
};
