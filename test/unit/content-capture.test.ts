/**
 * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` in both forms, and the span/event split
 * the newer form implies.
 */
import { describe, expect, it } from 'vitest';

import {
  captureContent,
  parseContentCapture,
  resolveContentCapture,
  resolveSharedConfig,
  safeStringify,
  truncate,
} from '../../src/telemetry/content.js';

describe('content capture variable', () => {
  it('reads the boolean form (true = spans and log records) and the four-value form', () => {
    expect(parseContentCapture('true')).toBe('SPAN_AND_EVENT');
    expect(parseContentCapture('FALSE')).toBe('NO_CONTENT');
    expect(parseContentCapture(true)).toBe('SPAN_AND_EVENT');
    expect(parseContentCapture('span_only')).toBe('SPAN_ONLY');
    expect(parseContentCapture(' EVENT_ONLY ')).toBe('EVENT_ONLY');
    expect(parseContentCapture('SPAN_AND_EVENT')).toBe('SPAN_AND_EVENT');
    expect(parseContentCapture('NO_CONTENT')).toBe('NO_CONTENT');
    expect(parseContentCapture('yes please')).toBeUndefined();
    expect(parseContentCapture(undefined)).toBeUndefined();
  });

  it('takes the option first, then the environment, and captures nothing by default', () => {
    const env = { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'EVENT_ONLY' };
    expect(resolveContentCapture(undefined, env)).toBe('EVENT_ONLY');
    expect(resolveContentCapture(false, env)).toBe('NO_CONTENT');
    expect(resolveContentCapture('SPAN_ONLY', env)).toBe('SPAN_ONLY');
    expect(resolveContentCapture(undefined, {})).toBe('NO_CONTENT');
    expect(
      resolveContentCapture(undefined, {
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'bad',
      }),
    ).toBe('NO_CONTENT');
  });

  it.each([
    ['NO_CONTENT', false, false],
    ['SPAN_ONLY', true, false],
    ['EVENT_ONLY', false, true],
    ['SPAN_AND_EVENT', true, true],
  ] as const)('%s puts content on spans: %s, in events: %s', (mode, onSpan, inEvent) => {
    const config = resolveSharedConfig({ captureMessageContent: mode });
    expect(config.captureMessageContent).toBe(onSpan || inEvent);
    expect(captureContent(config, 'the dragon', 'span')).toBe(onSpan ? 'the dragon' : undefined);
    expect(captureContent(config, 'the dragon', 'event')).toBe(inEvent ? 'the dragon' : undefined);
    // A span attribute is the default target.
    expect(captureContent(config, 'x')).toBe(onSpan ? 'x' : undefined);
  });
});

describe('content cut before it is encoded', () => {
  const big = 'x'.repeat(200_000);
  const values: Array<[string, unknown]> = [
    ['one long message', [{ role: 'user', content: big }]],
    [
      'messages short then long',
      [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: big },
      ],
    ],
    [
      'quotes and newlines that escaping lengthens',
      [{ role: 'user', content: '"\n\\'.repeat(5_000) }],
    ],
    [
      'an emoji pair straddling the cut',
      [{ role: 'user', content: `${'a'.repeat(63)}😀${'b'.repeat(500)}` }],
    ],
    [
      'nested content blocks',
      [
        {
          role: 'user',
          content: [
            { type: 'text', text: big },
            { type: 'text', text: 'tail' },
          ],
        },
      ],
    ],
    ['a long key next to long values', { ['k'.repeat(300)]: big, other: big }],
    ['short values only', [{ role: 'user', content: 'hi' }]],
  ];

  it.each(values)('%s: the captured value equals the cut of the whole JSON', (_name, value) => {
    for (const contentMaxLength of [16, 64, 1024]) {
      const config = resolveSharedConfig({ captureMessageContent: true, contentMaxLength }, {});
      expect(captureContent(config, value)).toBe(truncate(safeStringify(value), contentMaxLength));
    }
  });

  it('encodes at most the limit of each string, not the whole prompt', () => {
    const encoded = safeStringify([{ role: 'user', content: big }], 1024);
    expect(encoded.length).toBeLessThan(1024 + 64);
    expect(safeStringify([{ role: 'user', content: big }]).length).toBeGreaterThan(200_000);
  });

  it('leaves the whole text to a redaction hook, which may shorten what precedes the cut', () => {
    const value = [{ role: 'user', content: `${'secret '.repeat(40)}${'y'.repeat(200)}` }];
    const config = resolveSharedConfig(
      {
        captureMessageContent: true,
        contentMaxLength: 64,
        redact: (t) => t.replaceAll('secret ', ''),
      },
      {},
    );
    // Cut first, the hook would see no "y" at all.
    expect(captureContent(config, value)).toContain('yyyy');
  });
});
