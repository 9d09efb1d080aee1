import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  END_MARKER,
  renderTelemetryReference,
  replaceReference,
  START_MARKER,
} from '../../scripts/gen-telemetry-reference.js';
import {
  EVENT_CONTEXT_ATTRIBUTES,
  eventAttributeKeys,
  EVENTS,
  METRICS,
  SPANS,
} from '../../src/catalogue/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const catalogue = { SPANS, METRICS, EVENTS, EVENT_CONTEXT_ATTRIBUTES };

describe('README telemetry reference', () => {
  it('is exactly what the catalogue generates (run scripts/gen-telemetry-reference.ts)', () => {
    expect(readme).toContain(START_MARKER);
    expect(replaceReference(readme, renderTelemetryReference(catalogue))).toBe(readme);
  });

  it('names every span, metric (both names), event and attribute of the catalogue', () => {
    const block = readme.slice(readme.indexOf(START_MARKER), readme.indexOf(END_MARKER));
    const names = [
      ...SPANS.flatMap((s) => [s.name, ...s.attributes, ...s.contentAttributes]),
      ...METRICS.flatMap((m) => [m.name, m.prometheusName, ...m.attributes]),
      ...EVENTS.flatMap((e) => [e.name, ...eventAttributeKeys(e)]),
      ...Object.values(EVENT_CONTEXT_ATTRIBUTES),
    ];
    for (const name of names) expect(block, name).toContain(`\`${name}\``);
  });

  it('fails on a README that drifted from the catalogue', () => {
    const drifted = readme.replace('`chat_response_time_seconds`', '`chat_response_seconds`');
    expect(drifted).not.toBe(readme);
    expect(replaceReference(drifted, renderTelemetryReference(catalogue))).not.toBe(drifted);
  });
});
