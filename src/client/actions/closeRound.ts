/**
 * `round.close` (docs/protocol.md §6): from gate closure on, the trading centre solves the round off
 * chain — the node's scenario of the round (GET /v1/rounds/:id/scenario), solved and certified with
 * `solveCertified` — and closes it with the equilibrium prices; every validator settles and
 * certifies the round at them and records one bill per consumer buying directly and one sale per
 * generator. A round closed once delivery has started, or with no offers or no demand, is
 * cancelled with its reason. A scenario the solver cannot certify (a game without a pure
 * equilibrium) is refused here before delivery starts (CLIENT_NOT_CERTIFIED), as validators would
 * refuse its prices; from delivery start on, closing it cancels it, so the next round can open.
 */
import { roundClosePayload } from '../../contracts/rounds.ts';
import { solveCertified } from '../../market/solveCertified.ts';
import { ClientError } from '../clientError.ts';
import type { RoundView } from '../marketReader.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** Which round to close. */
export interface CloseRoundParams {
  readonly round: bigint;
}

/** A closed round: cleared, or cancelled with its reason; and how long solving it took. */
export interface ClosedRound {
  readonly round: RoundView;
  readonly receipt: TxReceipt;
  readonly solveMs: number;
}

/** The trading centre solves the round, closes it with the equilibrium prices and reads what it became. */
export async function closeRound(
  tradingCentre: ParticipantClient,
  { round }: CloseRoundParams,
): Promise<ClosedRound> {
  const started = performance.now();
  const scenario = await tradingCentre.read((r) => r.scenario(round));
  let prices: bigint[] = [];
  if (scenario.generators.length > 0 && scenario.consumers.length > 0) {
    const { result, certificate } = solveCertified(scenario);
    const view = await tradingCentre.read((r) => r.round(round));
    const cancels =
      view !== undefined &&
      (await tradingCentre.read((r) => r.chainTimeMs())) >= BigInt(view.terms.deliveryStartMs);
    if (!certificate.certified && !cancels) {
      throw new ClientError('CLIENT_NOT_CERTIFIED', `round ${round} has no certified equilibrium`, {
        maxLeaderGapMicroYuanPerKWh: String(Math.ceil(certificate.maxLeaderGap)),
        maxFollowerGapMicroYuanPerKWh: String(Math.ceil(certificate.maxFollowerGap)),
      });
    }
    prices = result.prices.map((p) => p.priceMicroYuanPerKWh);
  }
  const solveMs = performance.now() - started;
  const receipt = await tradingCentre.sendOrg('round.close', roundClosePayload, { round, prices });
  const view = await tradingCentre.read((r) => r.round(round));
  if (view === undefined)
    throw new ClientError('CLIENT_NOT_FOUND', `round ${round} is not on the node that closed it`);
  return { round: view, receipt, solveMs };
}
