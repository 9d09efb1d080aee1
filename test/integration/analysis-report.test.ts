import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { renderReport } from '../helpers/report-browser.js';
import { type Turn, writeTelemetry } from '../unit/analysis/telemetry-fixture.js';

const T0 = Date.parse('2025-03-10T10:00:00Z');
const MIN = 60_000;
const ARTIFACTS = resolve('test-results');

const turnsOf = (minute: number): Turn[] =>
  Array.from({ length: 4 + (minute % 3) }, (_, i) => ({
    seconds: [0.08, 0.3, 0.7, 1.4, 2.6, 0.4][i] ?? 0.5,
    fingerprint: `fp-${i % 3}`,
    inputTokens: 180 + minute * 10,
    outputTokens: 60,
    searchSeconds: 0.2 + minute * 0.05,
    nodeSeconds: { retrieve: 0.2, generate: 0.6 },
    ...(minute === 7 && i === 0 ? { status: 'error' as const, llmError: 'RateLimitError' } : {}),
  }));

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lorechat-report-'));
  await writeTelemetry(join(dir, 'telemetry'), {
    start: T0,
    interval: MIN,
    turns: Array.from({ length: 12 }, (_, m) => turnsOf(m)),
    memoryMax: Array.from({ length: 12 }, (_, m) => 2e6 + m * 3e5),
  });
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('HTML report', () => {
  it('renders every chart offline in headless Chromium without console errors', async () => {
    const out = join(dir, 'report.html');
    const stderr: string[] = [];
    const code = await runCli(['report', '--files', join(dir, 'telemetry'), '--out', out], {
      stdout: () => {},
      stderr: (t) => void stderr.push(t),
      env: {},
      now: () => T0 + 3_600_000,
    });
    expect(code, stderr.join('')).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/https?:\/\/(cdn|unpkg|fastly)/);

    let text = '';
    const shown = await renderReport(out, async (page) => {
      text = await page.innerText('body');
      expect(await page.locator('.recs li').count()).toBeGreaterThan(0);
      expect(await page.textContent('body')).toContain('Consider implementing token usage caching');
      await page.screenshot({ path: join(ARTIFACTS, 'analysis-report.png'), fullPage: true });
    });
    const rendered = { ...shown, text };
    expect(rendered.charts.map((c) => c.id)).toEqual(
      expect.arrayContaining([
        'chart-response-distribution',
        'chart-memory',
        'chart-errors',
        'chart-tokens',
        'chart-token-rate',
        'chart-trend-throughput',
        'chart-trend-memory_max',
        'chart-anomaly-vector_search_avg',
      ]),
    );
    // 4-6 turns a minute: no step holds the 20 turns a p95 needs, so its charts are not drawn
    // and the report says why instead of showing an empty chart.
    expect(rendered.charts.map((c) => c.id)).not.toContain('chart-trend-response_time_p95');
    expect(rendered.text).toMatch(
      /Not drawn: response_time_p95: a trend needs at least 4 steps with data; 0 in range/,
    );
    for (const c of rendered.charts) {
      expect(c.instance, c.id).toBe(true);
      expect(c.width, c.id).toBeGreaterThan(100);
      expect(c.height, c.id).toBeGreaterThan(100);
    }
    expect(rendered.problems).toEqual([]);
    expect(rendered.requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
  });
});
