/**
 * The cost rules are generated from the price table (never edited by hand), every configured
 * model that the dataset prices is in the table, and user prices override the dataset's.
 * Their PromQL results are proven by promtool (prometheus/tests/cost.test.yml).
 */
import { describe, expect, it } from 'vitest';

import { COST_WINDOWS, type CostConfig, renderRules } from '../../../scripts/gen-cost-rules.js';
import { mergePrices, type PriceTable } from '../../../src/cost/prices.js';
import { readText, readYaml } from './helpers.js';

const table = JSON.parse(readText('prometheus/prices/price-table.json')) as PriceTable;
const config = JSON.parse(readText('prometheus/prices/cost-config.json')) as CostConfig;

interface Rules {
  groups: {
    rules: { record?: string; alert?: string; expr: string; labels?: Record<string, string> }[];
  }[];
}

describe('cost rules', () => {
  it('the shipped rules file is exactly what the generator renders from the table', () => {
    expect(readText('prometheus/rules/lorechat-cost.yml')).toBe(renderRules(table, config));
  });

  it('the table names its dataset version and prices every configured model per million tokens', () => {
    expect(table.dataset).toMatch(/^@pydantic\/genai-prices@\d+\.\d+\.\d+$/);
    const pkg = JSON.parse(readText('package.json')) as { devDependencies: Record<string, string> };
    expect(table.dataset).toBe(
      `@pydantic/genai-prices@${pkg.devDependencies['@pydantic/genai-prices']}`,
    );
    expect(Object.keys(table.models).sort()).toEqual([...config.models].sort());
    for (const p of Object.values(table.models)) {
      for (const v of [p.input, p.output, p.cacheRead, p.cacheWrite]) expect(v).toBeGreaterThan(0);
      expect(p.source.startsWith(table.dataset)).toBe(true);
    }
  });

  it('records cost at every plan window and never prices an unknown model at 0', () => {
    const rules = readYaml<Rules>('prometheus/rules/lorechat-cost.yml').groups.flatMap(
      (g) => g.rules,
    );
    const records = new Set(rules.map((r) => r.record));
    for (const w of COST_WINDOWS) expect(records).toContain(`lorechat:llm_cost_usd:rate${w}`);
    const priced = rules
      .filter((r) => r.record === 'lorechat:llm_price_usd_per_mtok')
      .map((r) => r.labels?.model);
    expect(new Set(priced)).toEqual(new Set(Object.keys(table.models)));
    expect(rules.find((r) => r.alert === 'LoreChatLLMDailySpendOverBudget')?.expr).toContain(
      `> ${config.dailyBudgetUsd}`,
    );
  });

  it('user prices override the dataset model by model and can add models', () => {
    const merged = mergePrices(table, {
      dataset: 'user',
      models: {
        'gpt-4o-2024-08-06': {
          input: 1,
          output: 2,
          cacheRead: 0.5,
          cacheWrite: 1,
          source: 'contract',
        },
        'my-finetune': { input: 4, output: 8, cacheRead: 4, cacheWrite: 4, source: 'self-hosted' },
      },
    });
    expect(merged.models['gpt-4o-2024-08-06']?.input).toBe(1);
    expect(merged.models['claude-sonnet-4-20250514']).toEqual(
      table.models['claude-sonnet-4-20250514'],
    );
    const rules = renderRules(merged, config);
    expect(rules).toContain('labels: {model: "my-finetune", type: output}');
    expect(rules).toContain('expr: vector(-0.5)');
  });
});
