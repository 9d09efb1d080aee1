/**
 * `analyze` prices tokens with the cost rules' table and formula: dollars computed by hand from
 * known token counts, unpriced models listed as unpriced (never 0 USD), and the user's prices
 * through the same loader the rule generator uses.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyzeResult } from '../../../src/analysis/analyze.js';
import { costReport, modelTokens } from '../../../src/analysis/cost.js';
import { DEFAULT_PRICE_TABLE } from '../../../src/cost/default-prices.js';
import { readText } from '../pipeline/helpers.js';
import { runCliAt, type Turn, writeTelemetry } from './telemetry-fixture.js';

const T0 = Date.parse('2025-03-10T10:00:00Z');
const MIN = 60_000;
const PRICED = 'gpt-4o-mini-2024-07-18';
/** Six turns a minute for ten minutes, 200 input and 50 output tokens each. */
const TURNS: Turn[][] = Array.from({ length: 10 }, () =>
  Array.from({ length: 6 }, () => ({
    seconds: 0.3,
    fingerprint: 'fp',
    inputTokens: 200,
    outputTokens: 50,
  })),
);

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lorechat-cost-'));
  await writeTelemetry(join(dir, 'priced'), {
    start: T0,
    interval: MIN,
    turns: TURNS,
    model: PRICED,
  });
  await writeTelemetry(join(dir, 'unpriced'), {
    start: T0,
    interval: MIN,
    turns: TURNS,
    model: 'my-own-model',
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) => runCliAt(args, T0 + 3600_000);

describe('cost by hand', () => {
  it('the shipped table is the cost rules’ table', () => {
    expect(DEFAULT_PRICE_TABLE).toEqual(JSON.parse(readText('prometheus/prices/price-table.json')));
  });

  it('input x input price + output x output price, cached input corrected; unpriced models apart', () => {
    const r = costReport(
      modelTokens([
        { model: 'gpt-4o-2024-08-06', type: 'input', tokens: 12_000 },
        { model: 'gpt-4o-2024-08-06', type: 'output', tokens: 3_000 },
        { model: 'gpt-4o-2024-08-06', type: 'cache_read', tokens: 4_000 },
        { model: 'claude-sonnet-4-20250514', type: 'input', tokens: 20_000 },
        { model: 'claude-sonnet-4-20250514', type: 'output', tokens: 1_000 },
        { model: 'claude-sonnet-4-20250514', type: 'cache_write', tokens: 8_000 },
        { model: 'lorechat-offline-1', type: 'input', tokens: 700 },
        { model: 'lorechat-offline-1', type: 'output', tokens: 300 },
        // Cache tokens of a model without input/output counts are left out, as the rules do.
        { model: 'nobody', type: 'cache_read', tokens: 99 },
      ]),
      DEFAULT_PRICE_TABLE,
      4,
    );
    // gpt-4o: 12000 * 2.5 + 3000 * 10 + 4000 * (1.25 - 2.5) = 55000 per 1e6 -> 0.055 USD.
    // claude: 20000 * 3 + 1000 * 15 + 8000 * (3.75 - 3) = 81000 per 1e6 -> 0.081 USD.
    expect(r.models.map((m) => [m.model, m.usd])).toEqual([
      ['claude-sonnet-4-20250514', expect.closeTo(0.081, 12)],
      ['gpt-4o-2024-08-06', expect.closeTo(0.055, 12)],
      ['lorechat-offline-1', null],
    ]);
    expect(r.totalUsd).toBeCloseTo(0.136, 12);
    expect(r.perTurnUsd).toBeCloseTo(0.034, 12);
    expect(r.unpricedModels).toEqual(['lorechat-offline-1']);
    expect(r.unpricedTokens).toBe(1000);
    expect(r.models.find((m) => m.model === 'lorechat-offline-1')?.prices).toBeNull();
  });

  it('no priced model: the total is unknown (null), not 0', () => {
    const r = costReport(
      modelTokens([{ model: 'lorechat-offline-1', type: 'input', tokens: 10 }]),
      DEFAULT_PRICE_TABLE,
      1,
    );
    expect(r.totalUsd).toBeNull();
    expect(r.perTurnUsd).toBeNull();
  });
});

describe('lorechat-otel analyze: cost from the embedded files', () => {
  it('prices the files’ tokens per model and per turn (--json)', async () => {
    const { code, stdout, stderr } = await cli([
      'analyze',
      '--files',
      join(dir, 'priced'),
      '--json',
    ]);
    expect(code, stderr).toBe(0);
    const r = JSON.parse(stdout) as AnalyzeResult;
    // 60 turns x (200 input, 50 output) = 12000 and 3000 tokens at 0.15 and 0.6 USD per million:
    // 1800 + 1800 = 3600 per 1e6 = 0.0036 USD, 0.00006 USD per turn.
    expect(r.totalRequests).toBe(60);
    expect(r.cost?.models).toEqual([
      expect.objectContaining({ model: PRICED, input: 12_000, output: 3_000 }),
    ]);
    expect(r.cost?.models[0]?.usd).toBeCloseTo(0.0036, 12);
    expect(r.cost?.totalUsd).toBeCloseTo(0.0036, 12);
    expect(r.cost?.perTurnUsd).toBeCloseTo(0.00006, 12);
    expect(r.cost?.priceTable).toBe(DEFAULT_PRICE_TABLE.dataset);
    expect(r.cost?.unpricedModels).toEqual([]);
  });

  it('prints a cost table, the total and the cost per turn', async () => {
    const { code, stdout } = await cli(['analyze', '--files', join(dir, 'priced')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/cost \(prices: @pydantic\/genai-prices@[\d.]+\)/);
    expect(stdout).toMatch(new RegExp(`${PRICED}\\s+12,000\\s+3,000\\s+0\\s+0\\s+0\\.0036 USD`));
    expect(stdout).toContain('total: 0.0036 USD\n');
    expect(stdout).toContain('per turn: 0.00006 USD over 60 turns');
  });

  it('lists a model without a price as unpriced, never as 0 USD, and says so in a note', async () => {
    const json = await cli(['analyze', '--files', join(dir, 'unpriced'), '--json']);
    const r = JSON.parse(json.stdout) as AnalyzeResult;
    expect(r.cost?.models).toEqual([
      expect.objectContaining({ model: 'my-own-model', usd: null, prices: null }),
    ]);
    expect(r.cost?.totalUsd).toBeNull();
    expect(r.cost?.unpricedTokens).toBe(15_000);
    expect(r.notes.join('\n')).toMatch(/15000 tokens of my-own-model has no price/);
    const text = await cli(['analyze', '--files', join(dir, 'unpriced')]);
    expect(text.stdout).toMatch(/my-own-model\s+12,000\s+3,000\s+0\s+0\s+unpriced/);
    expect(text.stdout).toContain(
      'total: unknown (no model has a price: 15,000 tokens of my-own-model)',
    );
    expect(text.stdout).toContain('per turn: unknown over');
    expect(text.stdout).not.toMatch(/\b0 USD/);
  });

  it('--price-overrides: the user’s prices win and price models the table lacks', async () => {
    const overrides = join(dir, 'my-prices.json');
    writeFileSync(
      overrides,
      JSON.stringify({
        dataset: 'contract 2026',
        models: {
          'my-own-model': {
            input: 4,
            output: 8,
            cacheRead: 4,
            cacheWrite: 4,
            source: 'self-hosted',
          },
        },
      }),
    );
    const { code, stdout } = await cli([
      'analyze',
      '--files',
      join(dir, 'unpriced'),
      '--price-overrides',
      overrides,
      '--json',
    ]);
    expect(code).toBe(0);
    const r = JSON.parse(stdout) as AnalyzeResult;
    // 12000 * 4 + 3000 * 8 = 72000 per 1e6 = 0.072 USD.
    expect(r.cost?.totalUsd).toBeCloseTo(0.072, 12);
    expect(r.cost?.models[0]?.prices?.source).toBe('self-hosted');
    expect(r.cost?.priceTable).toBe(`${DEFAULT_PRICE_TABLE.dataset} + ${overrides}`);
  });

  it('a missing or malformed price file is a usage error (exit 2) naming the problem', async () => {
    const missing = await cli([
      'analyze',
      '--files',
      join(dir, 'priced'),
      '--price-overrides',
      join(dir, 'nope.json'),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json not found/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ dataset: 'x', models: { m: { input: -1 } } }));
    const malformed = await cli([
      'analyze',
      '--files',
      join(dir, 'priced'),
      '--price-overrides',
      bad,
    ]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/model "m": "input" is not a price >= 0/);
  });
});
