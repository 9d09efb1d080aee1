/**
 * The shared operation recorder: guarded start, every result shape, finish exactly once,
 * and a bounded ERROR status for any thrown value, however hostile.
 */
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { beforeEach, describe, expect, it } from 'vitest';

import * as s from '../../../src/semconv.js';
import {
  MAX_STACK_LENGTH,
  type Outcome,
  recordFailure,
  traceOperation,
} from '../../../src/telemetry/operation.js';
import { createHarness } from './harness.js';

const h = createHarness();
const tracer = trace.getTracer('operation-test');
beforeEach(() => h.reset());

function hostileThrowables(): Array<[string, unknown]> {
  const trapThrows = new Proxy(
    {},
    {
      get() {
        throw new Error('trap');
      },
      getPrototypeOf() {
        throw new Error('trap');
      },
      ownKeys() {
        throw new Error('trap');
      },
    },
  );
  const { proxy: revoked, revoke } = Proxy.revocable(new Error('x'), {});
  revoke();
  const badName = new Error('bad name');
  Object.defineProperty(badName, 'name', {
    get() {
      throw new Error('getter');
    },
  });
  const badStack = new Error('bad stack');
  Object.defineProperty(badStack, 'stack', {
    get() {
      throw new Error('getter');
    },
  });
  const huge = new Error('x'.repeat(10_000_000));
  const toStringThrows = {
    toString() {
      throw new Error('no');
    },
    toJSON() {
      throw new Error('no');
    },
  };
  return [
    ['a Proxy whose traps throw', trapThrows],
    ['a revoked Proxy', revoked],
    ['an Error whose name getter throws', badName],
    ['an Error whose stack getter throws', badStack],
    ['an Error with a 10 MB message', huge],
    ['an object whose toString and toJSON throw', toStringThrows],
    ['null', null],
    ['undefined', undefined],
    ['a symbol', Symbol('s')],
    ['a 10 MB string', 'y'.repeat(10_000_000)],
  ];
}

describe('recordFailure', () => {
  it.each(hostileThrowables())(
    'gives %s an ERROR status, an error.type and a bounded exception event',
    (_label, thrown) => {
      const span = tracer.startSpan('op');
      const type = recordFailure(span, thrown);
      span.end();
      const [finished] = h.finishedSpans();
      expect(finished?.status.code).toBe(SpanStatusCode.ERROR);
      expect(finished?.status.message?.length ?? 0).toBeLessThanOrEqual(513);
      expect(finished?.attributes[s.ATTR_ERROR_TYPE]).toBe(type);
      expect(type.length).toBeGreaterThan(0);
      expect(type.length).toBeLessThanOrEqual(64);
      const exception = finished?.events.find((e) => e.name === 'exception');
      expect(exception).toBeDefined();
      const size = JSON.stringify(exception?.attributes ?? {}).length;
      expect(size).toBeLessThan(MAX_STACK_LENGTH + 2_000);
    },
  );
});

describe('traceOperation', () => {
  it('runs the original untraced when building the span throws, and returns its value', () => {
    const value = traceOperation(
      tracer,
      () => {
        throw new Error('attribute builder failed');
      },
      () => 42,
      () => undefined,
      { what: 'test' },
    );
    expect(value).toBe(42);
    expect(h.finishedSpans()).toHaveLength(0);
  });

  it('ends the span and runs the original untraced when the started hook throws', () => {
    const value = traceOperation(
      tracer,
      () => ({
        name: 'op',
        started: () => {
          throw new Error('event failed');
        },
      }),
      () => 'ok',
      () => undefined,
      { what: 'test' },
    );
    expect(value).toBe('ok');
    expect(h.finishedSpans().map((sp) => sp.name)).toEqual(['op']);
  });

  it('finishes a sync result, a sync throw, a resolved and a rejected promise exactly once, re-throwing the same value', async () => {
    const outcomes: Outcome['kind'][] = [];
    const run = <R>(original: () => R): R =>
      traceOperation(
        tracer,
        () => ({ name: 'op' }),
        original,
        (_op, o) => {
          outcomes.push(o.kind);
        },
        { what: 'test' },
      );
    expect(run(() => 1)).toBe(1);
    const thrown = new TypeError('sync');
    expect(() =>
      run(() => {
        throw thrown;
      }),
    ).toThrow(thrown);
    await expect(run(() => Promise.resolve(2))).resolves.toBe(2);
    const rejected = new RangeError('async');
    await expect(run(() => Promise.reject(rejected))).rejects.toBe(rejected);
    expect(outcomes).toEqual(['done', 'error', 'done', 'error']);
    expect(h.finishedSpans()).toHaveLength(4);
  });

  it('follows a stream to its end, and a consumer that breaks out is cancelled, not an error', async () => {
    const outcomes: Outcome['kind'][] = [];
    const chunks: unknown[] = [];
    async function* numbers() {
      await Promise.resolve();
      yield 1;
      yield 2;
      yield 3;
    }
    const run = () =>
      traceOperation(
        tracer,
        () => ({ name: 'stream' }),
        () => Promise.resolve(numbers()),
        (_op, o) => {
          outcomes.push(o.kind);
        },
        { what: 'test', stream: { onChunk: (c) => chunks.push(c) } },
      );
    for await (const n of await run()) void n;
    for await (const n of await run()) if (n === 1) break;
    expect(outcomes).toEqual(['done', 'cancelled']);
    expect(chunks).toEqual([1, 2, 3, 1]);
  });

  it('treats an AbortError as a cancellation', async () => {
    const outcomes: Outcome['kind'][] = [];
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    await expect(
      traceOperation(
        tracer,
        () => ({ name: 'op' }),
        () => Promise.reject(abort),
        (_op, o) => {
          outcomes.push(o.kind);
        },
        { what: 'test' },
      ),
    ).rejects.toBe(abort);
    expect(outcomes).toEqual(['cancelled']);
  });

  it('ends the span when a deferred finish settles, at the time the operation ended', async () => {
    let release: () => void = () => undefined;
    const later = new Promise<void>((r) => (release = r));
    await traceOperation(
      tracer,
      () => ({ name: 'deferred' }),
      () => Promise.resolve('v'),
      () => later,
      {
        what: 'test',
      },
    );
    const endedAt = Date.now();
    expect(h.finishedSpans()).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 30));
    release();
    await later;
    await Promise.resolve();
    const [span] = h.finishedSpans();
    const endMs = (span?.endTime[0] ?? 0) * 1000 + (span?.endTime[1] ?? 0) / 1e6;
    expect(endMs).toBeLessThanOrEqual(endedAt + 1);
  });

  it('keeps the finish hook from throwing into the app', async () => {
    await expect(
      traceOperation(
        tracer,
        () => ({ name: 'op' }),
        () => Promise.resolve('v'),
        () => {
          throw new Error('finish failed');
        },
        { what: 'test' },
      ),
    ).resolves.toBe('v');
    expect(h.finishedSpans()).toHaveLength(1);
  });
});
