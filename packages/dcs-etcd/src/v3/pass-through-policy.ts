import type { IOptions } from 'etcd3';

type FaultPolicy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

const noListeners = () => ({ dispose() {} });

/**
 * A fault-handling policy that runs the call once. Retries, per-attempt timeouts and host choice are ours
 * (request-plan.ts); the client's default circuit breaker would refuse calls for 5 s after etcd returns.
 */
export function passThroughPolicy(): FaultPolicy {
  const policy = {
    onSuccess: noListeners,
    onFailure: noListeners,
    // async: a synchronous throw from `fn` (the client's markFailed does that) becomes a rejection.
    async execute<T>(
      fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T,
      signal?: AbortSignal,
    ): Promise<T> {
      return fn({ signal: signal ?? new AbortController().signal });
    },
  };
  // `_altReturn` is a type-only phantom member of cockatiel's IPolicy; it never exists at runtime.
  return policy as unknown as FaultPolicy;
}
