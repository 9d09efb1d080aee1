/**
 * The price table shipped with the package: the same file the cost rules are generated from
 * (prometheus/prices/price-table.json), embedded in the build so `lorechat-otel analyze` prices
 * tokens without the repository at hand.
 */
import table from '../../prometheus/prices/price-table.json' with { type: 'json' };
import { parsePriceTable, type PriceTable } from './prices.js';

export const DEFAULT_PRICE_TABLE: PriceTable = parsePriceTable(
  table,
  'prometheus/prices/price-table.json',
);
