/**
 * `lorechat-otel/semconv`: the names this package emits, as constants. Attribute, metric,
 * event and span names (GenAI and database semantic conventions plus the `lorechat.*`
 * ones), the catalogue of every metric, event and span with its unit, buckets and meaning,
 * and the histogram bucket boundaries. For dashboards, alert rules, views and tests of
 * your own; the root export holds the API you call.
 */
export * from './semconv.js';
export * from './catalogue/index.js';
