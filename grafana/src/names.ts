/**
 * Series and label names as Prometheus and Loki store them, derived from the catalogue so a
 * renamed instrument breaks the build instead of a panel.
 */
import { metricDefinition, type MetricName } from '../../src/catalogue/index.js';

/** The Prometheus series name of a catalogue metric (`chat.response_time` -> `chat_response_time_seconds`). */
export function series(name: MetricName): string {
  return metricDefinition(name).prometheusName;
}

/** An OpenTelemetry attribute key as a Prometheus/Loki label (`gen_ai.request.model` -> `gen_ai_request_model`). */
export function label(key: string): string {
  return key.replace(/[^a-zA-Z0-9_]/g, '_');
}
