/**
 * The regulator traces a bill response (docs/protocol.md §9, docs/privacy.md §4): it finds the
 * ring member who sent the signcryption with its master secret (a Chaum–Pedersen proof anyone
 * checks), opens that pseudonym's certificate's PID to the organisation behind it, commits to the
 * result under a fresh salt, and the trading centre records the audit event `trace.record` — the
 * response, the reason and the commitment, never the identity. The opening (salt and identity
 * trace) goes to the parties, who check it against the commitment.
 *
 * `traceAndCommit` is the off-chain half alone: the `dpp trace` command, the local driver and the
 * trading centre's node (POST /v1/regulator/traces, ../../api/routes/regulator.ts, which reads the
 * chain and sends from inside the node) all trace with it.
 */
import { fromHex, toHex } from '../../codec/bytes.ts';
import { traceRecordPayload } from '../../contracts/disputes.ts';
import type { RecordOf, ResponseRecord } from '../../contracts/records.ts';
import type { CertKeysView } from '../../contracts/views.ts';
import type { Group, Point } from '../../crypto/group.ts';
import { isDppError } from '../../errors.ts';
import { decodePseudonymCertificate } from '../../privacy/pseudonymCertificate.ts';
import type { RegulatorKeys } from '../../privacy/regulator.ts';
import { ringOf } from '../../privacy/ring.ts';
import { decodeSigncryption } from '../../privacy/signcryptionEncoding.ts';
import { type IdentityTrace, traceToIdentity } from '../../privacy/trace.ts';
import { commitTrace, type TraceOpening } from '../../privacy/traceCommitment.ts';
import { ClientError } from '../clientError.ts';
import type { ParticipantClient, TxReceipt } from '../participantClient.ts';

/** What the regulator traces with. */
export interface TraceInput {
  readonly group: Group;
  readonly regulator: RegulatorKeys;
  /** The response's id (its transaction's) and the response as the chain stores it. */
  readonly responseId: Uint8Array;
  readonly response: Pick<ResponseRecord, 'signcryption' | 'ring'>;
  /** The encoded certificate registered on chain for a pseudonym, or undefined. */
  readonly registeredCertificate: (pseudonym: Point) => Uint8Array | undefined;
  /** Why (on chain, 1 to 200 bytes). */
  readonly reason: string;
  /**
   * The regulator's certification keys as the chain records them — the current one, then the
   * earlier ones (GET /v1/regulator/cert-keys, `certKeysOnChain`): a pseudonym certified before a
   * rotation is checked against the key of its time (docs/protocol.md §4.3). Default: only the key
   * in `regulator`.
   */
  readonly certKeys?: readonly Uint8Array[];
}

/** A trace, its opening and the audit event that commits to it. */
export interface CommittedTrace {
  readonly trace: IdentityTrace;
  /** For the parties: the salt and the identity trace. */
  readonly opening: TraceOpening;
  readonly commitment: Uint8Array;
  /** The `trace.record` payload. */
  readonly record: RecordOf<typeof traceRecordPayload>;
}

/** Traces `response` to its sender's organisation and commits to the trace (off chain, nothing sent). */
export function traceAndCommit(input: TraceInput): CommittedTrace {
  const { group, regulator, response } = input;
  const params = { group, regulatorKey: regulator.masterPublic };
  const sc = decodeSigncryption(group, response.signcryption);
  const certificateOf = (y: Point) => {
    const bytes = input.registeredCertificate(y);
    return bytes === undefined ? undefined : decodePseudonymCertificate(group, bytes);
  };
  // the key store's certification key, then the chain's: the traced pseudonym's is the key of its time
  const keys = [regulator.certPublicKey, ...(input.certKeys ?? [])].filter(
    (k, i, all) => all.findIndex((x) => toHex(x) === toHex(k)) === i,
  );
  let trace: IdentityTrace | undefined;
  for (const [i, certPublicKey] of keys.entries()) {
    try {
      trace = traceToIdentity(
        params,
        { ...regulator, certPublicKey },
        sc,
        ringOf(response.ring),
        certificateOf,
      );
      break;
    } catch (err) {
      if (!isDppError(err, 'PRIVACY_CERTIFICATE_INVALID') || i === keys.length - 1) throw err;
    }
  }
  if (trace === undefined)
    throw new ClientError('CLIENT_NOT_FOUND', 'no certification key to check the trace with');
  const { opening, commitment } = commitTrace(trace);
  return {
    trace,
    opening,
    commitment,
    record: { response: input.responseId, reason: input.reason, commitment },
  };
}

/** The certification keys of GET /v1/regulator/cert-keys: the current one, then the earlier ones, newest first. */
export function certKeysOnChain(view: CertKeysView): Uint8Array[] {
  const current = view.current === null ? [] : [fromHex(view.current)];
  return [...current, ...view.changes.map((c) => fromHex(c.oldKey)).reverse()];
}

/** Which response to trace, and why. */
export interface TraceResponseParams {
  /** The response's id (hex). */
  readonly responseId: string;
  readonly reason: string;
  readonly regulator: RegulatorKeys;
  /** The response as the chain stores it (default: read now). */
  readonly response?: ResponseRecord;
}

/** A recorded trace. */
export interface TracedResponse extends CommittedTrace {
  readonly receipt: TxReceipt;
}

/** The regulator traces the response; the trading centre records the audit event. */
export async function traceResponse(
  tradingCentre: ParticipantClient,
  params: TraceResponseParams,
): Promise<TracedResponse> {
  const { responseId } = params;
  const response = params.response ?? (await tradingCentre.read((r) => r.response(responseId)));
  if (response === undefined)
    throw new ClientError('CLIENT_NOT_FOUND', `no bill response ${responseId} on chain`);
  const registered = new Map<string, Uint8Array>();
  for (const y of response.ring) {
    const reg = await tradingCentre.read((r) => r.pseudonym(y));
    if (reg !== undefined) registered.set(toHex(y), fromHex(reg.certificate));
  }
  const onChain = await tradingCentre.read((r) => r.certKeys());
  const traced = traceAndCommit({
    group: tradingCentre.chain.group,
    regulator: params.regulator,
    responseId: fromHex(responseId),
    response,
    registeredCertificate: (y) => registered.get(toHex(y)),
    reason: params.reason,
    certKeys: certKeysOnChain(onChain),
  });
  const receipt = await tradingCentre.sendOrg('trace.record', traceRecordPayload, traced.record);
  return { ...traced, receipt };
}
