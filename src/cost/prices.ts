/**
 * The LLM price table (prometheus/prices/price-table.json) and the user's own prices: ONE loader,
 * used by the cost-rule generator (scripts/gen-cost-rules.ts) and by `lorechat-otel analyze`, so
 * that the recorded cost series and the analysis price tokens alike.
 *
 * This file is also loaded by Node's type stripping from the generator: erasable syntax only,
 * and no imports but `node:` modules.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface ModelPrices {
  /** USD per million tokens. */
  readonly input: number;
  readonly output: number;
  /** Cached input read; the input price when the provider does not discount it. */
  readonly cacheRead: number;
  /** Cached input written; the input price when the provider does not charge extra. */
  readonly cacheWrite: number;
  /** Where the prices come from: `<dataset>@<version> <provider>/<model id>` or a user note. */
  readonly source: string;
  /** The dataset has tiered prices for this model; the table holds the base tier. */
  readonly tiered?: boolean;
}

export interface PriceTable {
  /** The dataset and version the table was generated from (`@pydantic/genai-prices@0.1.8`). */
  readonly dataset: string;
  /** By the `model` label value, exactly as the app reports it. */
  readonly models: Readonly<Record<string, ModelPrices>>;
}

const PRICE_KEYS = ['input', 'output', 'cacheRead', 'cacheWrite'] as const;

/** Checks the table's shape; `where` names the file in the error. */
export function parsePriceTable(value: unknown, where: string): PriceTable {
  const fail = (why: string): never => {
    throw new Error(
      `${where}: ${why} (expected {"dataset": "...", "models": {"<model>": {"input": USD per 1M tokens, "output": ..., "cacheRead": ..., "cacheWrite": ..., "source": "..."}}})`,
    );
  };
  if (value === null || typeof value !== 'object') return fail('not a JSON object');
  const { dataset, models } = value as { dataset?: unknown; models?: unknown };
  if (typeof dataset !== 'string') return fail('"dataset" is not a string');
  if (models === null || typeof models !== 'object' || Array.isArray(models))
    return fail('"models" is not an object');
  for (const [model, p] of Object.entries(models as Record<string, unknown>)) {
    if (p === null || typeof p !== 'object') return fail(`model "${model}" is not an object`);
    for (const k of PRICE_KEYS) {
      const v = (p as Record<string, unknown>)[k];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
        return fail(`model "${model}": "${k}" is not a price >= 0`);
    }
    if (typeof (p as { source?: unknown }).source !== 'string')
      return fail(`model "${model}": "source" is not a string`);
  }
  return { dataset, models: models as Record<string, ModelPrices> };
}

/** Reads and checks a price table file. */
export function readPriceTable(path: string): PriceTable {
  if (!existsSync(path)) throw new Error(`price file ${path} not found`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`price file ${path} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  return parsePriceTable(json, path);
}

/** Overrides win model by model; a model only in the overrides is priced too. */
export function mergePrices(table: PriceTable, overrides: PriceTable | undefined): PriceTable {
  if (!overrides) return table;
  return { dataset: table.dataset, models: { ...table.models, ...overrides.models } };
}

/**
 * The prices in effect: the table, with the user's file of the same shape (if any) winning model
 * by model. The generator's `--overrides FILE` and analyze's `--price-overrides FILE` both call
 * this.
 */
export function loadPrices(table: PriceTable, overridesPath?: string): PriceTable {
  return mergePrices(
    table,
    overridesPath === undefined ? undefined : readPriceTable(overridesPath),
  );
}
