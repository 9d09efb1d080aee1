/**
 * Series and label names as Prometheus and Loki store them, derived from the catalogue so a
 * renamed instrument breaks the build instead of a panel.
 */
import { GEN_AI_SUCCESSORS, metricDefinition, type MetricName } from '../../src/catalogue/index.js';

/** The Prometheus series name of a catalogue metric (`chat.response_time` -> `chat_response_time_seconds`). */
export function series(name: MetricName): string {
  return metricDefinition(name).prometheusName;
}

/** An OpenTelemetry attribute key as a Prometheus/Loki label (`gen_ai.request.model` -> `gen_ai_request_model`). */
export function label(key: string): string {
  return key.replace(/[^a-zA-Z0-9_]/g, '_');
}

/**
 * A v1.41 GenAI metric and its successor in the latest conventions (the catalogue's
 * GEN_AI_SUCCESSORS): the metrics a panel reads to work in either mode (queries.ts
 * `SeriesNames`). Throws for a metric without a successor.
 */
export function generations(v141: (typeof GEN_AI_SUCCESSORS)[number]['v141']): MetricName[] {
  const pair = GEN_AI_SUCCESSORS.find((p) => p.v141 === v141);
  if (!pair) throw new Error(`${v141} has no successor in the catalogue`);
  return [pair.v141, pair.latest];
}
