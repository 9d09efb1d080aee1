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
