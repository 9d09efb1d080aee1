import {
  CustomVariableBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  RowBuilder,
  TextBoxVariableBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { EVENTS } from '../../../src/catalogue/index.js';
import { logMetric, logs } from '../panels.js';

/**
 * Loki stream selector of LoreChat's logs. Loki's OTLP ingestion turns the resource attribute
 * service.name into the index label service_name (loki/loki.yaml indexes only service-level
 * attributes).
 */
export const LORECHAT_STREAM = '{service_name="lorechat"}';

/** LoreChat's log events (the plan's EventType values), filterable; errors link to their traces. */
export function logsDashboard(): DashboardBuilder {
  const events = EVENTS.map((e) => e.name);
  return new DashboardBuilder('LoreChat logs')
    .uid('lorechat-logs')
    .description(
      "The plan's structured events in Loki: filter by event and text; error events link to their traces.",
    )
    .tags(['lorechat', 'logs'])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .withVariable(
      new CustomVariableBuilder('event')
        .label('Event')
        .values(events.join(','))
        .multi(true)
        .includeAll(true)
        .allValue('.+')
        .current({ text: 'All', value: '$__all' }),
    )
    .withVariable(new TextBoxVariableBuilder('search').label('Text contains').defaultValue(''))
    .withPanel(
      logMetric(
        'Events per minute',
        'Log events by event name.',
        'short',
        `sum by (event) (count_over_time(${LORECHAT_STREAM} | json | event=~"$event" [$__auto]))`,
        '{{event}}',
        { w: 24, h: 7 },
      ),
    )
    .withRow(new RowBuilder('Events'))
    .withPanel(
      logs(
        'LoreChat events',
        'Structured events (JSON body: event, context{thread_id, request_id, component, action, duration_ms, memory_usage, error}).',
        `${LORECHAT_STREAM} |~ "$search" | json | event=~"$event"`,
      ),
    )
    .withRow(new RowBuilder('Errors'))
    .withPanel(
      logs(
        'Error events (open the trace from the trace_id field)',
        'Events that carry an error context. The Loki datasource turns trace_id into a link to Tempo.',
        `${LORECHAT_STREAM} |~ "$search" | json | context_error_type != ""`,
        { w: 24, h: 10 },
      ),
    )
    .withPanel(
      logMetric(
        'Errors per minute by component and type',
        'Error events counted from the logs.',
        'short',
        `sum by (context_component, context_error_type) (count_over_time(${LORECHAT_STREAM} | json | context_error_type != "" [$__auto]))`,
        '{{context_component}} {{context_error_type}}',
        { w: 24, h: 7 },
      ),
    );
}
