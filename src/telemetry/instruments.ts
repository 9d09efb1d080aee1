/**
 * Instruments created from the metric catalogue: name, unit, description and explicit
 * bucket boundaries all come from `src/catalogue/metrics.ts`, never from call sites.
 */
import type { Counter, Histogram, Meter, ObservableGauge } from '@opentelemetry/api';

import { metricDefinition, type MetricName } from '../catalogue/index.js';

export function createHistogramFromCatalogue(meter: Meter, name: MetricName): Histogram {
  const def = metricDefinition(name);
  if (def.kind !== 'histogram') throw new Error(`metric ${name} is a ${def.kind}, not a histogram`);
  return meter.createHistogram(def.name, {
    unit: def.unit,
    description: def.description,
    advice: def.buckets ? { explicitBucketBoundaries: [...def.buckets] } : undefined,
  });
}

export function createCounterFromCatalogue(meter: Meter, name: MetricName): Counter {
  const def = metricDefinition(name);
  if (def.kind !== 'counter') throw new Error(`metric ${name} is a ${def.kind}, not a counter`);
  return meter.createCounter(def.name, { unit: def.unit, description: def.description });
}

export function createObservableGaugeFromCatalogue(
  meter: Meter,
  name: MetricName,
): ObservableGauge {
  const def = metricDefinition(name);
  if (def.kind !== 'gauge') throw new Error(`metric ${name} is a ${def.kind}, not a gauge`);
  return meter.createObservableGauge(def.name, { unit: def.unit, description: def.description });
}
