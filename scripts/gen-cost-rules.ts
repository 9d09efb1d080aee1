/**
 * LLM cost in the open pipeline: a price table from a maintained dataset, and Prometheus
 * recording and alert rules generated from it.
 *
 *   node scripts/gen-cost-rules.ts --update-prices   # re-price the models of cost-config.json
 *                                                    # from @pydantic/genai-prices, then write rules
 *   node scripts/gen-cost-rules.ts                   # rules from the table (+ overrides)
 *   node scripts/gen-cost-rules.ts --overrides my-prices.json   # user prices win
 *   node scripts/gen-cost-rules.ts --check           # exit 1 if the rules file is stale
 *
 * Files (prometheus/prices/): `cost-config.json` (the model label values to price, exactly as
 * the app reports them in `llm_token_usage_total{model}`, and the daily budget in USD),
 * `price-table.json` (generated; USD per million tokens, with the dataset version). Output:
 * prometheus/rules/lorechat-cost.yml. See docs/semconv-migration.md "Cost".
 *
 * Runs with Node's type stripping (erasable syntax only).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelPrices, PriceTable } from '../src/cost/prices.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = join(ROOT, 'prometheus/prices/cost-config.json');
const TABLE = join(ROOT, 'prometheus/prices/price-table.json');
const RULES = join(ROOT, 'prometheus/rules/lorechat-cost.yml');
/** The dataset, pinned in package.json devDependencies (exact version). */
const DATASET = '@pydantic/genai-prices';

export interface CostConfig {
  readonly models: readonly string[];
  readonly dailyBudgetUsd: number;
}

/** The plan's aggregation windows. */
export const COST_WINDOWS = ['1m', '5m', '1h', '1d'] as const;

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function priceOf(v: unknown): { price: number | undefined; tiered: boolean } {
  if (typeof v === 'number') return { price: v, tiered: false };
  if (v !== null && typeof v === 'object' && typeof (v as { base?: unknown }).base === 'number')
    return { price: (v as { base: number }).base, tiered: true };
  return { price: undefined, tiered: false };
}

/** Prices every configured model with the dataset's own model matching (`calcPrice`). */
async function pricesFromDataset(config: CostConfig): Promise<PriceTable> {
  const lib = (await import(DATASET)) as {
    calcPrice: (
      usage: Record<string, number>,
      model: string,
    ) => null | {
      model: { id: string };
      provider: { id: string };
      model_price: Record<string, unknown>;
    };
  };
  const pkg = readJson<{ devDependencies: Record<string, string> }>(join(ROOT, 'package.json'));
  const version = pkg.devDependencies[DATASET];
  const models: Record<string, ModelPrices> = {};
  for (const name of config.models) {
    const r = lib.calcPrice({ input_tokens: 1 }, name);
    if (r === null) {
      process.stderr.write(`${name}: not in ${DATASET}; it will be reported as unpriced\n`);
      continue;
    }
    const input = priceOf(r.model_price.input_mtok);
    const output = priceOf(r.model_price.output_mtok);
    if (input.price === undefined || output.price === undefined) {
      process.stderr.write(`${name}: no per-token price in ${DATASET}; left unpriced\n`);
      continue;
    }
    const cacheRead = priceOf(r.model_price.cache_read_mtok);
    const cacheWrite = priceOf(r.model_price.cache_write_mtok);
    const tiered = input.tiered || output.tiered || cacheRead.tiered || cacheWrite.tiered;
    models[name] = {
      input: input.price,
      output: output.price,
      cacheRead: cacheRead.price ?? input.price,
      cacheWrite: cacheWrite.price ?? input.price,
      source: `${DATASET}@${version} ${r.provider.id}/${r.model.id}`,
      ...(tiered ? { tiered: true } : {}),
    };
  }
  return { dataset: `${DATASET}@${version}`, models };
}

function num(n: number): string {
  // Enough digits for any per-million price, no float noise in the rules file.
  return String(Number(n.toPrecision(12)));
}

function quote(s: string): string {
  return JSON.stringify(s);
}

/** The latest usage counters, relabelled to the `model` label of `llm_token_usage_total`. */
function cacheTokens(metric: string, type: string, window: string): string {
  const relabelled =
    `label_replace(label_replace(rate(${metric}[${window}]), "model", "$1", "gen_ai_request_model", "(.+)"), ` +
    `"model", "$1", "gen_ai_response_model", "(.+)")`;
  return `label_replace(${relabelled}, "type", "${type}", "", "")`;
}

/**
 * The labels cost is kept by: the service (as `job`, and as the `service_name` and
 * `deployment_environment_name` labels the dashboards' $service and $environment filter on) and
 * the model.
 */
const BY = 'job, service_name, deployment_environment_name, model';

export function renderRules(prices: PriceTable, config: CostConfig): string {
  const names = Object.keys(prices.models).sort();
  const out: string[] = [];
  out.push(
    '# GENERATED by scripts/gen-cost-rules.ts from prometheus/prices/price-table.json',
    `# (${prices.dataset}) and prometheus/prices/cost-config.json. Do not edit by hand.`,
    '#',
    '# LLM spend in USD per second, by service (job, service_name, deployment_environment_name)',
    '# and model, at the plan windows, from the',
    '# token counters: llm_token_usage_total{type="input"|"output"} (both semconv modes) times the',
    '# input/output price; under OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental the',
    '# cache_read/cache_write usage counters correct the cached part of the input (input tokens',
    '# include cached ones). Without them (v1.41 mode) cached input is billed at the input price.',
    '# A model without a price has no cost series; it is reported by',
    '# lorechat:llm_unpriced_tokens:rate5m and LoreChatLLMModelUnpriced, never as $0.',
    'groups:',
    '  - name: lorechat.cost',
    '    interval: 1m',
    '    rules:',
  );
  for (const [name, p] of names.map((n) => [n, prices.models[n]] as const)) {
    if (p === undefined) continue;
    for (const [type, value] of [
      ['input', p.input],
      ['output', p.output],
    ] as const) {
      out.push(
        '      - record: lorechat:llm_price_usd_per_mtok',
        `        expr: vector(${num(value)})`,
        `        labels: {model: ${quote(name)}, type: ${type}}`,
      );
    }
    for (const [type, value] of [
      ['cache_read', p.cacheRead - p.input],
      ['cache_write', p.cacheWrite - p.input],
    ] as const) {
      out.push(
        '      - record: lorechat:llm_cache_price_delta_usd_per_mtok',
        `        expr: vector(${num(value)})`,
        `        labels: {model: ${quote(name)}, type: ${type}}`,
      );
    }
  }
  for (const w of COST_WINDOWS) {
    const base = `sum by (${BY}) (rate(llm_token_usage_total[${w}]) * on (model, type) group_left lorechat:llm_price_usd_per_mtok)`;
    const cache =
      `sum by (${BY}) (` +
      `${cacheTokens('gen_ai_client_inference_usage_cache_read_input_tokens_total', 'cache_read', w)}` +
      ` * on (model, type) group_left lorechat:llm_cache_price_delta_usd_per_mtok` +
      ` or ` +
      `${cacheTokens('gen_ai_client_inference_usage_cache_write_input_tokens_total', 'cache_write', w)}` +
      ` * on (model, type) group_left lorechat:llm_cache_price_delta_usd_per_mtok)`;
    out.push(
      `      - record: lorechat:llm_cost_usd:rate${w}`,
      '        expr: |',
      `          (${base} + (${cache} or ${base} * 0)) / 1e6`,
    );
  }
  out.push(
    '      - record: lorechat:llm_unpriced_tokens:rate5m',
    `        expr: sum by (${BY}) (rate(llm_token_usage_total[5m])) unless on (model) lorechat:llm_price_usd_per_mtok`,
    '  - name: lorechat.cost.alerts',
    '    rules:',
    '      - alert: LoreChatLLMModelUnpriced',
    '        expr: lorechat:llm_unpriced_tokens:rate5m > 0',
    '        for: 15m',
    '        labels:',
    '          severity: warning',
    '          component: llm',
    '        annotations:',
    '          summary: An LLM model has no price; its spend is not counted',
    `          description: 'Model {{ $labels.model }} of {{ $labels.job }} uses {{ $value | humanize }} tokens/s and has no entry in the price table.'`,
    "          runbook_url: '{{ $externalLabels.runbook_base_url }}/troubleshooting.md#lorechatllmmodelunpriced'",
    '      - alert: LoreChatLLMDailySpendOverBudget',
    `        expr: sum(lorechat:llm_cost_usd:rate1d) * 86400 > ${num(config.dailyBudgetUsd)}`,
    '        for: 5m',
    '        labels:',
    '          severity: warning',
    '          component: llm',
    '        annotations:',
    `          summary: LLM spend over the last 24 h is above the ${num(config.dailyBudgetUsd)} USD budget`,
    `          description: 'LLM calls cost {{ $value | printf "%.2f" }} USD over the last 24 hours (budget ${num(config.dailyBudgetUsd)} USD).'`,
    "          runbook_url: '{{ $externalLabels.runbook_base_url }}/troubleshooting.md#lorechatllmdailyspendoverbudget'",
  );
  return out.join('\n') + '\n';
}

async function main(argv: readonly string[]): Promise<void> {
  // The one price loader, shared with `lorechat-otel analyze` (loaded by path: Node's type
  // stripping does not map the `.js` specifiers of src/ to their `.ts` files).
  const prices = (await import(new URL('../src/cost/prices.ts', import.meta.url).href)) as {
    readPriceTable: (path: string) => PriceTable;
    loadPrices: (table: PriceTable, overridesPath?: string) => PriceTable;
  };
  const config = readJson<CostConfig>(CONFIG);
  let table = prices.readPriceTable(TABLE);
  if (argv.includes('--update-prices')) {
    table = await pricesFromDataset(config);
    writeFileSync(TABLE, JSON.stringify(table, null, 2) + '\n');
  }
  const at = argv.indexOf('--overrides');
  const overridesPath = at >= 0 ? argv[at + 1] : undefined;
  const rules = renderRules(prices.loadPrices(table, overridesPath), config);
  if (argv.includes('--check')) {
    if (readFileSync(RULES, 'utf8') !== rules) {
      process.stderr.write(
        'prometheus/rules/lorechat-cost.yml is stale: run scripts/gen-cost-rules.ts\n',
      );
      process.exit(1);
    }
    return;
  }
  writeFileSync(RULES, rules);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
