/**
 * Prometheus metrics of one node (prom-client, a registry per server so that several servers in one
 * process do not share counters). Chain gauges are read from the node at scrape time; counters of
 * committed blocks and transactions count commits seen since this server started; HTTP requests are
 * counted by route pattern (never the raw URL, so cardinality stays bounded), method and status.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ValidatorNode } from '../node/validatorNode.ts';
import type { EventBus } from './eventBus.ts';

/** The metrics of one API server. */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly durations: Histogram<'route'>;

  constructor(node: ValidatorNode, bus: EventBus, options: { readonly processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'dpp_' });
    const status = () => node.status();
    new Gauge({
      name: 'dpp_chain_height',
      help: 'Height of the last committed block',
      registers,
      collect() {
        this.set(Number(status().height));
      },
    });
    new Gauge({
      name: 'dpp_consensus_view',
      help: 'Current PBFT view',
      registers,
      collect() {
        this.set(Number(status().view));
      },
    });
    new Gauge({
      name: 'dpp_consensus_in_view_change',
      help: '1 while a view change is under way',
      registers,
      collect() {
        this.set(status().inViewChange ? 1 : 0);
      },
    });
    new Gauge({
      name: 'dpp_mempool_transactions',
      help: 'Transactions waiting in the mempool',
      registers,
      collect() {
        this.set(status().mempool);
      },
    });
    new Gauge({
      name: 'dpp_p2p_peers_connected',
      help: 'Validators this node is connected to',
      registers,
      collect() {
        this.set(status().peers.length);
      },
    });
    // The validator transport's totals (docs/p2p.md §5), read at scrape time: what this validator
    // sent to and received from its peers, frame payloads only (WebSocket and TCP/IP headers excluded).
    const transport = (
      name: string,
      help: string,
      pick: (s: ReturnType<ValidatorNode['transportStats']>) => number,
    ): void => {
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(pick(node.transportStats()));
        },
      });
    };
    transport('dpp_p2p_bytes_sent_total', 'Bytes of p2p frames sent to peers', (s) => s.bytesOut);
    transport('dpp_p2p_frames_sent_total', 'P2p frames sent to peers', (s) => s.framesOut);
    transport('dpp_p2p_bytes_received_total', 'Bytes of p2p frames received from peers', (s) => s.bytesIn);
    transport('dpp_p2p_frames_received_total', 'P2p frames received from peers', (s) => s.framesIn);
    // The same frames sent, by what they carry (a consensus message type, or `txs` for gossip).
    const byKind = (name: string, help: string, pick: (t: { frames: number; bytes: number }) => number) =>
      new Counter({
        name,
        help,
        labelNames: ['kind'],
        registers,
        collect() {
          this.reset();
          for (const [kind, t] of Object.entries(node.traffic().byKind)) this.inc({ kind }, pick(t));
        },
      });
    byKind(
      'dpp_p2p_bytes_sent_by_kind_total',
      'Bytes of p2p frames sent to peers, by message kind',
      (t) => t.bytes,
    );
    byKind('dpp_p2p_frames_sent_by_kind_total', 'P2p frames sent to peers, by message kind', (t) => t.frames);
    new Counter({
      name: 'dpp_consensus_resends_skipped_total',
      help: 'Re-sends of a consensus message held back: the peer’s link already carried it (docs/consensus.md §3)',
      registers,
      collect() {
        this.reset();
        this.inc(node.traffic().resendsSkipped);
      },
    });
    const blocks = new Counter({
      name: 'dpp_blocks_committed_total',
      help: 'Blocks committed since the API server started',
      registers,
    });
    const txs = new Counter({
      name: 'dpp_txs_committed_total',
      help: 'Transactions committed since the API server started',
      registers,
    });
    const failed = new Counter({
      name: 'dpp_txs_failed_total',
      help: 'Committed transactions whose receipt is failed, since the API server started',
      registers,
    });
    bus.subscribe((e) => {
      if (e.type !== 'block') return;
      blocks.inc();
      txs.inc(Number(e.txs));
      failed.inc(Number(e.failed));
    });
    this.requests = new Counter({
      name: 'dpp_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.durations = new Histogram({
      name: 'dpp_http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by route pattern',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
  }

  /** Records one answered request; `route` is the matched pattern or "unmatched". */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.durations.observe({ route }, seconds);
  }

  /** The text exposition format. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
