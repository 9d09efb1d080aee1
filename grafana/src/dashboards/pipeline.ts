import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { perSecond, stat, timeseries, upDownStat, type Prom } from '../panels.js';
import { lorechatDashboard } from '../scope.js';

/**
 * The Collector's and the backends' own metrics: Prometheus scrapes them (prometheus.yml), so
 * they carry the scrape job, not the app's service or environment. The dashboard keeps the
 * variables for its link bar; its queries describe the shared pipeline.
 */
const SIGNALS = [
  { suffix: 'spans', name: 'spans' },
  { suffix: 'metric_points', name: 'metric points' },
  { suffix: 'log_records', name: 'log records' },
] as const;

function perSignal(metric: (suffix: string) => string, by: string): Prom[] {
  return SIGNALS.map((s) => ({
    expr: `sum by (${by}) (rate(${metric(s.suffix)}[$__rate_interval]))`,
    legend: `{{${by}}} ${s.name}`,
  }));
}

const BACKEND_JOBS = ['prometheus', 'alertmanager', 'tempo', 'loki'] as const;

/** The telemetry pipeline itself: what the Collector accepts, refuses, sends, fails and queues. */
export function pipelineDashboard() {
  return lorechatDashboard({
    uid: 'lorechat-pipeline',
    title: 'LoreChat pipeline health',
    description:
      'OpenTelemetry Collector self-telemetry (accepted, refused, sent and failed items, the persistent sending queues) and whether each backend is up.',
    tags: ['opentelemetry-collector'],
  })
    .withPanel(
      upDownStat({
        title: 'Collector up',
        description:
          "UP when Prometheus scrapes the Collector's self-metrics; DOWN (red) when the scrape fails or the target is missing (the OtelCollectorDown alert).",
        query: { expr: 'min(up{job="otel-collector"}) or vector(0)', legend: 'Collector' },
        layout: { w: 6, h: 4 },
      }),
    )
    .withPanel(
      upDownStat({
        title: 'Backends up',
        description:
          'Each backend Prometheus scrapes (prometheus.yml): UP, or DOWN in red when its scrape fails (the ObservabilityBackendDown alert).',
        query: {
          expr: `max by (job) (up{job=~"${BACKEND_JOBS.join('|')}"})`,
          legend: '{{job}}',
        },
        layout: { w: 6, h: 4 },
      }),
    )
    .withPanel(
      stat({
        title: 'Fullest sending queue',
        description: 'Largest queue size / capacity across exporters; data is dropped at 100 %.',
        unit: 'percentunit',
        query: {
          expr: 'max(otelcol_exporter_queue_size / otelcol_exporter_queue_capacity)',
          legend: 'fullest queue',
        },
        steps: [
          [0.5, 'orange'],
          [0.8, 'red'],
        ],
      }),
    )
    .withPanel(
      stat({
        title: 'Failed sends (5m)',
        description:
          'Items the exporters failed to send in the last 5 minutes (they are retried from the queue).',
        unit: 'short',
        query: {
          expr: SIGNALS.map(
            (s) =>
              `(sum(increase(otelcol_exporter_send_failed_${s.suffix}_total[5m])) or vector(0))`,
          ).join(' + '),
          legend: 'failed items',
        },
        steps: [[1, 'red']],
      }),
    )
    .withRow(new RowBuilder('Receivers'))
    .withPanel(
      timeseries({
        title: 'Accepted items per second',
        description: 'Items per second the receivers pushed into the pipelines.',
        unit: perSecond('items'),
        queries: perSignal((s) => `otelcol_receiver_accepted_${s}_total`, 'receiver'),
      }),
    )
    .withPanel(
      timeseries({
        title: 'Refused items per second',
        description:
          'Items per second the receivers refused (memory_limiter back-pressure, bad data).',
        unit: perSecond('items'),
        queries: perSignal((s) => `otelcol_receiver_refused_${s}_total`, 'receiver'),
      }),
    )
    .withRow(new RowBuilder('Exporters'))
    .withPanel(
      timeseries({
        title: 'Sent items per second',
        description: 'Items per second delivered to Prometheus, Tempo and Loki.',
        unit: perSecond('items'),
        queries: perSignal((s) => `otelcol_exporter_sent_${s}_total`, 'exporter'),
      }),
    )
    .withPanel(
      timeseries({
        title: 'Failed items per second',
        description: 'Items per second in failed send attempts.',
        unit: perSecond('items'),
        queries: perSignal((s) => `otelcol_exporter_send_failed_${s}_total`, 'exporter'),
      }),
    )
    .withPanel(
      timeseries({
        title: 'Sending queue size vs capacity',
        description:
          'Persistent (file_storage) queue per exporter, in requests (the queue sizer in otel-collector-config.yaml).',
        unit: 'suffix: requests',
        queries: [
          { expr: 'max by (exporter) (otelcol_exporter_queue_size)', legend: '{{exporter}} size' },
          {
            expr: 'max by (exporter) (otelcol_exporter_queue_capacity)',
            legend: '{{exporter}} capacity',
          },
        ],
        layout: { w: 24, h: 8 },
      }),
    );
}
