/**
 * A generator reads a bill response addressed to it (docs/protocol.md §7): it decrypts the ring
 * signcryption with its receiving key and checks the pseudonym's signature against the bill it
 * names (../billResponse.ts `openBillResponse`), which gives the `bill.acknowledge` payload
 * (./acknowledgeResponse.ts). Nothing is sent.
 */
import { fromHex, toHex } from '../../codec/bytes.ts';
import type { BillRecord, ResponseRecord } from '../../contracts/records.ts';
import type { Point } from '../../crypto/group.ts';
import type { KeyPair } from '../../privacy/keyPair.ts';
import { type OpenedResponse, openBillResponse } from '../billResponse.ts';
import { ClientError } from '../clientError.ts';
import type { ParticipantClient } from '../participantClient.ts';

/** Which response, and what opens it. */
export interface OpenResponseParams {
  /** The response's id (its transaction's, hex). */
  readonly id: string;
  /** The generator's receiving key pair and the regulator's tracing key P. */
  readonly receiving: KeyPair;
  readonly regulatorKey: Point;
  /** The response as the chain stores it (default: read now). */
  readonly response?: ResponseRecord;
  /** The bills it may name (default: the bills of the response's ring members, read now). */
  readonly billOf?: (round: bigint, index: number) => BillRecord | undefined;
}

/** The generator decrypts and checks response `id`. */
export async function openResponse(
  generator: ParticipantClient,
  params: OpenResponseParams,
): Promise<OpenedResponse> {
  const { id } = params;
  const response = params.response ?? (await generator.read((r) => r.response(id)));
  if (response === undefined) throw new ClientError('CLIENT_NOT_FOUND', `no bill response ${id} on chain`);
  let billOf = params.billOf;
  if (billOf === undefined) {
    // the response can only be about a bill of its ring: its members' bills, one lookup each
    const bills = (
      await Promise.all(
        response.ring.map((y) => generator.read((r) => r.bills(response.round, { consumer: toHex(y) }))),
      )
    ).flat();
    billOf = (round, index) => (round === response.round ? bills.find((b) => b.index === index) : undefined);
  }
  const { chainId, group } = generator.chain;
  const rsc = { group, regulatorKey: params.regulatorKey };
  return openBillResponse(chainId, rsc, params.receiving, fromHex(id), response, billOf);
}
