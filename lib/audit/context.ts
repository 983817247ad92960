/**
 * The request an audited action comes from (client address and user agent), carried through
 * the domain functions by AsyncLocalStorage rather than added to every one's parameters.
 * routes/mod.ts opens the scope per API request. Read it where the action is requested
 * (`requestMeta()` before a fanout commit), never inside a fanout build: a group commit builds
 * other requests' writes in the context of the request that started the drain.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface RequestMeta {
  ip?: string;
  userAgent?: string;
  /** The authenticated caller, when there is one. */
  actor?: { id: string; name?: string; email?: string };
}

const scope = new AsyncLocalStorage<RequestMeta>();

/** Runs `fn` with `meta` as the request of every audit entry staged within it. */
export function withRequestMeta<T>(meta: RequestMeta, fn: () => T): T {
  return scope.run(meta, fn);
}

/** The current request's address and user agent ({} outside a request: timers, jobs). */
export function requestMeta(): RequestMeta {
  return scope.getStore() ?? {};
}
