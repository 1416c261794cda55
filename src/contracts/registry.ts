/**
 * Every contract kind of the chain (docs/protocol.md lists each with who may send it, what it
 * checks and what it writes). A validator's handler registry is exactly this list, which includes
 * the ledger's `memo` (tests and the throughput benchmark), open to every member not suspended.
 */
import type { TxHandler } from '../ledger/handler.ts';
import { memoHandler } from '../ledger/memo.ts';
import { billAcknowledge, billEscalate, billRespond } from './billResponses.ts';
import { regulatorRotateCertKey } from './certKeyRotation.ts';
import { disputeResolve, traceRecordKind } from './disputes.ts';
import { roundFinalize } from './finalize.ts';
import { membersOnly } from './kinds.ts';
import { memberAdmit } from './memberAdmission.ts';
import { memberReceivingKey, memberRegister, memberSuspend, regulatorSetup } from './membership.ts';
import { meterGeneration, meterSubmit } from './metering.ts';
import { memberRecoverKey, memberRotateKey } from './orgKeys.ts';
import { pseudonymRegister, pseudonymRevoke } from './pseudonyms.ts';
import { marketDemand, marketOffer, roundClose, roundOpen } from './rounds.ts';
import { validatorChange } from './validators.ts';

/** The contract handlers, in protocol order. */
export const CONTRACT_HANDLERS: readonly TxHandler[] = [
  regulatorSetup,
  memberRegister,
  memberSuspend,
  memberReceivingKey,
  memberAdmit,
  memberRotateKey,
  memberRecoverKey,
  regulatorRotateCertKey,
  pseudonymRegister,
  pseudonymRevoke,
  roundOpen,
  marketOffer,
  marketDemand,
  roundClose,
  meterSubmit,
  meterGeneration,
  billRespond,
  billAcknowledge,
  billEscalate,
  disputeResolve,
  traceRecordKind,
  roundFinalize,
  validatorChange,
  membersOnly(memoHandler),
] as readonly TxHandler[];
