/**
 * Follows a stream returned to the user (LangChain's `IterableReadableStream`, or any async
 * iterable) so that the span behind it ends exactly once on every path: exhausted, failed,
 * consumer `break` (iterator `return()`), `cancel()`, or its AbortSignal firing. Each pull
 * runs in `ctx`, so work done lazily while iterating nests under the operation's span.
 *
 * Only the returned object's own `next`/`return`/`throw`/`cancel` (or its async-iterator
 * factory) are wrapped: the object is created by the library for this one call.
 */
import { type Context, context as otelContext, diag } from '@opentelemetry/api';

export type StreamOutcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'cancelled' };

export interface StreamObserver<T> {
  readonly ctx: Context;
  onChunk(chunk: T): void;
  onEnd(outcome: StreamOutcome): void;
  readonly signal?: AbortSignal | undefined;
}

type AnyIterator = AsyncIterator<unknown> & {
  cancel?: (reason?: unknown) => Promise<void>;
};

export function observeStream<S extends object>(stream: S, observer: StreamObserver<unknown>): S {
  let ended = false;
  const end = (outcome: StreamOutcome): void => {
    if (ended) return;
    ended = true;
    try {
      observer.onEnd(outcome);
    } catch (err) {
      diag.error('lorechat: failed to finish a stream span', err);
    }
  };
  const chunk = (value: unknown): void => {
    try {
      observer.onChunk(value);
    } catch (err) {
      diag.error('lorechat: failed to observe a stream chunk', err);
    }
  };
  if (observer.signal) {
    if (observer.signal.aborted) end({ kind: 'cancelled' });
    else
      observer.signal.addEventListener('abort', () => end({ kind: 'cancelled' }), { once: true });
  }

  const wrapIterator = (it: AnyIterator): void => {
    const next = it.next.bind(it);
    it.next = (...args: [] | [unknown]) =>
      otelContext
        .with(observer.ctx, () => next(...args))
        .then(
          (result) => {
            if (result.done) end({ kind: 'done' });
            else chunk(result.value);
            return result;
          },
          (err: unknown) => {
            end({ kind: 'error', error: err });
            throw err;
          },
        );
    if (typeof it.return === 'function') {
      const ret = it.return.bind(it);
      it.return = (value?: unknown) => {
        end({ kind: 'cancelled' });
        return ret(value);
      };
    }
    if (typeof it.throw === 'function') {
      const thr = it.throw.bind(it);
      it.throw = (err?: unknown) => {
        end({ kind: 'error', error: err });
        return thr(err);
      };
    }
  };

  const target = stream as S &
    Partial<AnyIterator> & { [Symbol.asyncIterator]?: () => AnyIterator };
  if (typeof target.cancel === 'function') {
    const cancel = target.cancel.bind(target);
    target.cancel = (reason?: unknown) => {
      end({ kind: 'cancelled' });
      return cancel(reason);
    };
  }
  const factory = target[Symbol.asyncIterator];
  if (
    typeof target.next === 'function' &&
    typeof factory === 'function' &&
    factory.call(target) === target
  ) {
    // LangChain's IterableReadableStream is its own iterator.
    wrapIterator(target as AnyIterator);
  } else if (typeof factory === 'function') {
    target[Symbol.asyncIterator] = () => {
      const it = factory.call(target);
      wrapIterator(it);
      return it;
    };
  } else {
    diag.debug('lorechat: result is not an async iterable; its span ends now');
    end({ kind: 'done' });
  }
  return stream;
}
