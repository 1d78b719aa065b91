/**
 * A fix to kafkajs 2.2.4 (the last release), applied once when this package is loaded.
 *
 * Idle timer loop (tulios/kafkajs#1556; fix proposed in #1667 and #1768, never released): every broker
 * connection's request queue, after each response, schedules a check of its pending requests with
 * `setTimeout(check, throttledUntil - now)`. Unthrottled, that delay is negative (a 1 ms timer), and the check
 * schedules the next one whether or not anything is pending: a thousand timer callbacks a second per connection, for
 * the life of the process. Measured on the idle platform (six services, the bench's load generator): about 36 ms of
 * CPU a second per service with the loop and 22 without it; the whole machine 0.30 cores busy with it, 0.22 without.
 *
 * The check is needed only while requests wait in the queue: a request that cannot be sent at once is queued by
 * `push`, which schedules the check itself (10 ms, or the end of the broker's throttle), and each response checks
 * the queue again. So with nothing pending, nothing is scheduled.
 */

import { createRequire } from 'node:module';

interface RequestQueue {
  pending: unknown[];
  scheduleCheckPendingRequests(): void;
}

const FIXED = Symbol.for('orderflow.kafkajs.idleTimerFix');

/** Applies the fix; a kafkajs whose request queue has another shape is left as it is (false). */
export function fixKafkajsIdleTimers(): boolean {
  let proto: (RequestQueue & { [FIXED]?: true }) | undefined;
  try {
    proto = (
      createRequire(__filename)('kafkajs/src/network/requestQueue') as { prototype: RequestQueue & { [FIXED]?: true } }
    ).prototype;
  } catch {
    return false;
  }
  if (proto[FIXED]) return true;
  const schedule = proto.scheduleCheckPendingRequests;
  if (typeof schedule !== 'function' || schedule.length !== 0) return false;
  proto.scheduleCheckPendingRequests = function (this: RequestQueue) {
    if (this.pending.length === 0) return;
    schedule.call(this);
  };
  proto[FIXED] = true;
  return true;
}
