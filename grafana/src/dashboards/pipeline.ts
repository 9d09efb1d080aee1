import {
  DashboardBuilder,
  DashboardCursorSync,
  RowBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { stat, timeseries, type Prom } from '../panels.js';

/** The three signals as the Collector's self-telemetry names them. */
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

/** The telemetry pipeline itself: what the Collector accepts, refuses, sends, fails and queues. */
export function pipelineDashboard(): DashboardBuilder {
  return new DashboardBuilder('LoreChat pipeline health')
    .uid('lorechat-pipeline')
    .description(
      'OpenTelemetry Collector self-telemetry: accepted, refused, sent and failed items, and the persistent sending queues.',
    )
    .tags(['lorechat', 'opentelemetry-collector'])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .withPanel(
      stat(
        'Collector up',
        "1 when Prometheus scrapes the Collector's self-metrics.",
        'short',
        {
          expr: 'min(up{job="otel-collector"})',
        },
        [],
        { w: 8, h: 4 },
      ),
    )
    .withPanel(
      stat(
        'Fullest sending queue',
        'Largest queue size / capacity across exporters; data is dropped at 100 %.',
        'percentunit',
        {
          expr: 'max(otelcol_exporter_queue_size / otelcol_exporter_queue_capacity)',
        },
        [
          [0.5, 'orange'],
          [0.8, 'red'],
        ],
        { w: 8, h: 4 },
      ),
    )
    .withPanel(
      stat(
        'Failed sends (5m)',
        'Items the exporters failed to send in the last 5 minutes (they are retried from the queue).',
        'short',
        {
          expr: 'sum(increase(otelcol_exporter_send_failed_spans_total[5m])) + sum(increase(otelcol_exporter_send_failed_metric_points_total[5m])) + sum(increase(otelcol_exporter_send_failed_log_records_total[5m]))',
        },
        [[1, 'red']],
        { w: 8, h: 4 },
      ),
    )
    .withRow(new RowBuilder('Receivers'))
    .withPanel(
      timeseries(
        'Accepted',
        'Items per second the receivers pushed into the pipelines.',
        'short',
        perSignal((s) => `otelcol_receiver_accepted_${s}_total`, 'receiver'),
      ),
    )
    .withPanel(
      timeseries(
        'Refused',
        'Items per second the receivers refused (memory_limiter back-pressure, bad data).',
        'short',
        perSignal((s) => `otelcol_receiver_refused_${s}_total`, 'receiver'),
      ),
    )
    .withRow(new RowBuilder('Exporters'))
    .withPanel(
      timeseries(
        'Sent',
        'Items per second delivered to Prometheus, Tempo and Loki.',
        'short',
        perSignal((s) => `otelcol_exporter_sent_${s}_total`, 'exporter'),
      ),
    )
    .withPanel(
      timeseries(
        'Failed',
        'Items per second in failed send attempts.',
        'short',
        perSignal((s) => `otelcol_exporter_send_failed_${s}_total`, 'exporter'),
      ),
    )
    .withPanel(
      timeseries(
        'Sending queue size vs capacity',
        'Persistent (file_storage) queue per exporter.',
        'short',
        [
          { expr: 'max by (exporter) (otelcol_exporter_queue_size)', legend: '{{exporter}} size' },
          {
            expr: 'max by (exporter) (otelcol_exporter_queue_capacity)',
            legend: '{{exporter}} capacity',
          },
        ],
        { w: 24, h: 8 },
      ),
    );
}
