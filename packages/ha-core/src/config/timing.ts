/** The timing rule of config.md §3.2 / ha-loop.md §1, with Patroni's warning wording. */

export interface Timing {
  readonly ttl: number;
  readonly loop_wait: number;
  readonly retry_timeout: number;
}

const MIN_LOOP_WAIT = 1;
const MIN_RETRY_TIMEOUT = 3;
const MIN_TTL = 20;

function atLeast(name: string, value: number, min: number, warnings: string[]): number {
  if (value >= min) return value;
  warnings.push(`${name}=${value} can't be smaller than ${min}, adjusting...`);
  return min;
}

/** Raises values below their minimum, then enforces `loop_wait + 2*retry_timeout <= ttl` (seconds). */
export function validateTiming(input: Timing, warnings: string[]): Timing {
  const loopWait = atLeast('loop_wait', input.loop_wait, MIN_LOOP_WAIT, warnings);
  const retryTimeout = atLeast('retry_timeout', input.retry_timeout, MIN_RETRY_TIMEOUT, warnings);
  const ttl = atLeast('ttl', input.ttl, MIN_TTL, warnings);
  if (MIN_LOOP_WAIT + 2 * retryTimeout > ttl) {
    const newRetry = Math.floor((ttl - MIN_LOOP_WAIT) / 2);
    warnings.push(
      `Violated the rule "loop_wait + 2*retry_timeout <= ttl", where ttl=${ttl}. Adjusting loop_wait from ` +
        `${loopWait} to ${MIN_LOOP_WAIT} and retry_timeout from ${retryTimeout} to ${newRetry}`,
    );
    return { ttl, loop_wait: MIN_LOOP_WAIT, retry_timeout: newRetry };
  }
  if (loopWait + 2 * retryTimeout > ttl) {
    const newLoopWait = ttl - 2 * retryTimeout;
    warnings.push(
      `Violated the rule "loop_wait + 2*retry_timeout <= ttl", where ttl=${ttl} and retry_timeout=${retryTimeout}.` +
        ` Adjusting loop_wait from ${loopWait} to ${newLoopWait}`,
    );
    return { ttl, loop_wait: newLoopWait, retry_timeout: retryTimeout };
  }
  return { ttl, loop_wait: loopWait, retry_timeout: retryTimeout };
}
