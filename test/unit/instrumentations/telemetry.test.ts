import { afterEach, describe, expect, it, vi } from 'vitest';

import {
  captureContent,
  normaliseQuery,
  queryFingerprint,
  resolveSharedConfig,
  safeStringify,
  truncate,
} from '../../../src/telemetry/content.js';
import { errorMessage, errorType, isGraphControlFlow } from '../../../src/telemetry/errors.js';
import { SessionTracker } from '../../../src/telemetry/sessions.js';
import {
  extractAnswer,
  extractQuery,
  updatedKeys,
} from '../../../src/instrumentations/langgraph/utils.js';
import { BoundedIdSet } from '../../../src/instrumentations/vector-stores/utils.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../../../src/instrumentations/version.js';
import { readFileSync } from 'node:fs';

describe('query fingerprint', () => {
  it('groups questions that differ only in case, punctuation, stop words and word order', () => {
    expect(normaliseQuery("What is the Dragon's lair?")).toBe('dragon lair');
    expect(queryFingerprint("What is the Dragon's lair?")).toBe(queryFingerprint('lair, DRAGON!!'));
    expect(queryFingerprint('Où est le dragon ?')).toBe(queryFingerprint('ou est le dragon'));
    expect(queryFingerprint('where is the dragon')).not.toBe(queryFingerprint('where is the elf'));
    expect(queryFingerprint('dragon')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('has no fingerprint for queries made only of stop words or punctuation', () => {
    expect(queryFingerprint('what is the?')).toBeUndefined();
    expect(queryFingerprint('')).toBeUndefined();
  });
});

describe('content capture', () => {
  it('exports nothing with capture off', () => {
    expect(captureContent(resolveSharedConfig({}), 'secret')).toBeUndefined();
  });

  it('serializes circular and odd values without throwing', () => {
    const a: Record<string, unknown> = { n: 1n, f: () => 1 };
    a.self = a;
    expect(safeStringify(a)).toBe('{"n":"1","self":"[Circular]"}');
    expect(captureContent(resolveSharedConfig({ captureMessageContent: true }), a)).toContain(
      '[Circular]',
    );
  });

  it('truncates huge values to contentMaxLength', () => {
    const cfg = resolveSharedConfig({ captureMessageContent: true, contentMaxLength: 50 });
    const out = captureContent(cfg, 'x'.repeat(1_000_000))!;
    expect(out).toHaveLength(50);
    expect(out.endsWith('…[truncated]')).toBe(true);
    expect(truncate('short', 50)).toBe('short');
  });

  it('falls back to the default length for a bad contentMaxLength', () => {
    expect(resolveSharedConfig({ contentMaxLength: -3 }).contentMaxLength).toBe(1024);
    expect(resolveSharedConfig({ contentMaxLength: Number.NaN }).contentMaxLength).toBe(1024);
  });
});

describe('error description', () => {
  it.each([
    [new TypeError('bad'), 'TypeError', 'bad'],
    ['a string', '_OTHER', 'a string'],
    [null, '_OTHER', 'null'],
    [undefined, '_OTHER', 'undefined'],
    [{ code: 1 }, '_OTHER', '{"code":1}'],
    [
      { name: 'CustomFailure', message: 42 },
      'CustomFailure',
      '{"name":"CustomFailure","message":42}',
    ],
  ])('describes %o', (thrown, type, message) => {
    expect(errorType(thrown)).toBe(type);
    expect(errorMessage(thrown)).toBe(message);
  });

  it('bounds long messages and survives throwing getters', () => {
    expect(errorMessage(new Error('m'.repeat(5000))).length).toBeLessThanOrEqual(513);
    const evil = Object.defineProperty({}, 'name', {
      get() {
        throw new Error('no');
      },
    });
    expect(errorType(evil)).toBe('_OTHER');
  });

  it('recognises LangGraph control flow (interrupts) as non-errors', () => {
    expect(isGraphControlFlow(Object.assign(new Error('interrupt'), { is_bubble_up: true }))).toBe(
      true,
    );
    expect(isGraphControlFlow(new Error('x'))).toBe(false);
  });
});

describe('session tracker', () => {
  afterEach(() => vi.useRealTimers());

  it('counts sessions in the window and forgets older ones', () => {
    let now = 0;
    const t = new SessionTracker({ windowMs: 1000, maxSessions: 10, now: () => now });
    t.touch('a', 100);
    now = 500;
    t.touch('b', 300);
    expect(t.activeCount()).toBe(2);
    expect(t.maxBytes()).toBe(300);
    now = 1200;
    expect(t.activeCount()).toBe(1);
    now = 1600;
    expect(t.activeCount()).toBe(0);
    expect(t.maxBytes()).toBeUndefined();
  });

  it('stays bounded, evicting the least recently used session', () => {
    const t = new SessionTracker({ windowMs: 60_000, maxSessions: 3 });
    for (const id of ['a', 'b', 'c']) t.touch(id, 1);
    t.touch('a', 5);
    t.touch('d', 2);
    expect(t.size).toBe(3);
    expect(t.maxBytes()).toBe(5);
    for (let i = 0; i < 10_000; i++) t.touch(`t${i}`, i);
    expect(t.size).toBe(3);
  });

  it('rejects a bad configuration with a clear error', () => {
    expect(() => new SessionTracker({ windowMs: 0, maxSessions: 1 })).toThrow(/sessionWindowMs/);
    expect(() => new SessionTracker({ windowMs: 1, maxSessions: 0 })).toThrow(/maxTrackedSessions/);
  });
});

describe('state helpers', () => {
  it('finds the user query in common state shapes', () => {
    expect(extractQuery('hi')).toBe('hi');
    expect(extractQuery({ question: 'q1' })).toBe('q1');
    expect(
      extractQuery({
        messages: [
          { role: 'user', content: 'm1' },
          { role: 'assistant', content: 'a' },
        ],
      }),
    ).toBe('m1');
    expect(
      extractQuery({ messages: [{ type: 'human', content: [{ type: 'text', text: 'parts' }] }] }),
    ).toBe('parts');
    expect(extractQuery({ other: 1 })).toBeUndefined();
    expect(extractQuery(null)).toBeUndefined();
  });

  it('finds the answer in common state shapes', () => {
    expect(extractAnswer({ answer: 'a1' })).toBe('a1');
    expect(extractAnswer({ messages: [{ role: 'assistant', content: 'a2' }] })).toBe('a2');
    expect(extractAnswer({ messages: [{ role: 'user', content: 'u' }] })).toBeUndefined();
  });

  it('names updated keys without reading values, bounded to 64', () => {
    expect(updatedKeys({ a: 1, b: 2 })).toEqual(['a', 'b']);
    expect(updatedKeys({ lg_name: 'Command', update: { c: 1 } })).toEqual(['c']);
    expect(updatedKeys([{ a: 1 }, { b: 1 }])).toEqual(['a', 'b']);
    expect(updatedKeys(null)).toEqual([]);
    const wide = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]));
    expect(updatedKeys(wide)).toHaveLength(64);
  });

  it('remembers a bounded number of document ids', () => {
    const ids = new BoundedIdSet(2);
    ids.add('a');
    ids.add('b');
    ids.add('c');
    expect(ids.has('a')).toBe(false);
    expect(ids.has('c')).toBe(true);
    expect(ids.size).toBe(2);
    ids.add('c'); // already known: nothing is evicted
    expect(ids.has('b')).toBe(true);
    for (let i = 0; i < 1000; i++) ids.add(`x${i}`);
    expect([ids.size, ids.has('x999'), ids.has('x998'), ids.has('x997')]).toEqual([
      2,
      true,
      true,
      false,
    ]);
  });
});

describe('instrumentation scope', () => {
  it('uses the package name and version from package.json', () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as {
      name: string;
      version: string;
    };
    expect(PACKAGE_NAME).toBe(pkg.name);
    expect(PACKAGE_VERSION).toBe(pkg.version);
  });
});
