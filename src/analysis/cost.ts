/**
 * What the tokens of a time range cost, per model and per chat turn, from the same price table
 * and the same formula as the generated cost rules (scripts/gen-cost-rules.ts,
 * prometheus/rules/lorechat-cost.yml): input x input price + output x output price, with cached
 * input corrected by the latest conventions' cache counters when they exist. A model without a
 * price is listed as unpriced with its tokens, never costed at 0 USD.
 */
import type { ModelPrices, PriceTable } from '../cost/prices.js';

/** Tokens of one model in the range (`model` as in `llm_token_usage_total{model}`). */
export interface ModelTokens {
  readonly model: string;
  readonly input: number;
  readonly output: number;
  /** Input tokens read from / written to a provider cache (subsets of `input`); 0 when unknown. */
  readonly cacheRead: number;
  readonly cacheWrite: number;
}

export interface ModelCost extends ModelTokens {
  /** USD; null when the model has no price. */
  readonly usd: number | null;
  /** USD per million tokens used, and where they come from; null when unpriced. */
  readonly prices: Omit<ModelPrices, 'tiered'> | null;
}

export interface CostReport {
  /** The price table's dataset, and the user's file when one overrides it. */
  readonly priceTable: string;
  /** By model, priced and unpriced, sorted by model. */
  readonly models: readonly ModelCost[];
  /** USD of the priced models; null when no model with tokens has a price. */
  readonly totalUsd: number | null;
  /** totalUsd / chat turns; null without turns or without a priced model. */
  readonly perTurnUsd: number | null;
  readonly turns: number;
  readonly unpricedModels: readonly string[];
  /** Tokens of the unpriced models: spend that is unknown, not zero. */
  readonly unpricedTokens: number;
}

/** USD of `t` at `p` (prices per million tokens), the cost rules' formula. */
export function costOf(t: ModelTokens, p: ModelPrices): number {
  return (
    (t.input * p.input +
      t.output * p.output +
      t.cacheRead * (p.cacheRead - p.input) +
      t.cacheWrite * (p.cacheWrite - p.input)) /
    1e6
  );
}

/** Prices every model's tokens with `table`; `turns` is the number of chat turns of the range. */
export function costReport(
  tokens: readonly ModelTokens[],
  table: PriceTable,
  turns: number,
  priceTable = table.dataset,
): CostReport {
  const models = [...tokens]
    .sort((a, b) => a.model.localeCompare(b.model))
    .map((t): ModelCost => {
      const p = Object.hasOwn(table.models, t.model) ? table.models[t.model] : undefined;
      return {
        ...t,
        usd: p === undefined ? null : costOf(t, p),
        prices:
          p === undefined
            ? null
            : {
                input: p.input,
                output: p.output,
                cacheRead: p.cacheRead,
                cacheWrite: p.cacheWrite,
                source: p.source,
              },
      };
    });
  const priced = models.filter((m) => m.usd !== null);
  const unpriced = models.filter((m) => m.usd === null);
  const totalUsd = priced.length > 0 ? priced.reduce((a, m) => a + (m.usd ?? 0), 0) : null;
  return {
    priceTable,
    models,
    totalUsd,
    perTurnUsd: totalUsd !== null && turns > 0 ? totalUsd / turns : null,
    turns,
    unpricedModels: unpriced.map((m) => m.model),
    unpricedTokens: unpriced.reduce((a, m) => a + m.input + m.output, 0),
  };
}

/**
 * Per-model tokens from the plan's `(model, type)` token counts and the latest cache counters
 * (`type` cache_read / cache_write). Cache tokens of a model without input/output counts are
 * left out, as the rules leave them out.
 */
export function modelTokens(
  usage: ReadonlyArray<{ model: string; type: string; tokens: number }>,
): ModelTokens[] {
  const by = new Map<
    string,
    { input: number; output: number; cacheRead: number; cacheWrite: number }
  >();
  const of = (model: string) => {
    let t = by.get(model);
    if (!t) by.set(model, (t = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }));
    return t;
  };
  for (const u of usage) {
    if (u.type === 'input') of(u.model).input += u.tokens;
    else if (u.type === 'output') of(u.model).output += u.tokens;
  }
  for (const u of usage) {
    const t = by.get(u.model);
    if (!t) continue;
    if (u.type === 'cache_read') t.cacheRead += u.tokens;
    else if (u.type === 'cache_write') t.cacheWrite += u.tokens;
  }
  return [...by.entries()].map(([model, t]) => ({ model, ...t }));
}
