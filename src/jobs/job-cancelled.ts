import { recordCode, type RecordErrorCode } from '../core/record-codes.ts';

/**
 * The abort reason a worker gives a job it cancels (the service is stopping and the grace period ran out).
 * A job aborted with it ends its record with this code and reason rather than as a transfer failure.
 */
export class JobCancelled extends Error {
  readonly recordCode: RecordErrorCode = recordCode('timedOut');

  constructor(message = 'cancelled: the service stopped') {
    super(message);
    this.name = 'JobCancelled';
  }
}

/** The cancellation behind an aborted signal, if that is why it was aborted. */
export function cancellationOf(signal: AbortSignal): JobCancelled | undefined {
  return signal.aborted && signal.reason instanceof JobCancelled ? signal.reason : undefined;
}
