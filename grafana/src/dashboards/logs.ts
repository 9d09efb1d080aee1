import {
  CustomVariableBuilder,
  RowBuilder,
  TextBoxVariableBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { EVENTS } from '../../../src/catalogue/index.js';
import { traces } from '../links.js';
import { logList, logMetric, perMinute } from '../panels.js';
import { LOG_STREAM, lorechatDashboard } from '../scope.js';

/**
 * Loki stream selector of the dashboard's services. Loki's OTLP ingestion turns the resource
 * attributes service.name and deployment.environment.name into the index labels service_name
 * and deployment_environment_name (loki/loki.yaml indexes only service-level attributes).
 */
export const LORECHAT_STREAM = LOG_STREAM;

/** LoreChat's log events (the plan's EventType values), filterable; errors link to their traces. */
export function logsDashboard() {
  const events = EVENTS.map((e) => e.name);
  return lorechatDashboard({
    uid: 'lorechat-logs',
    title: 'LoreChat logs',
    description:
      "The plan's structured events in Loki: filter by event and text; error events link to their traces.",
    tags: ['logs'],
  })
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
      logMetric({
        title: 'Events per minute',
        description: 'Log events per minute, by event name (rate over the interval, times 60).',
        unit: perMinute('events'),
        expr: `60 * sum by (event) (rate(${LORECHAT_STREAM} |~ "$search" | json | event=~"$event" [$__auto]))`,
        legend: '{{event}}',
        layout: { w: 24, h: 7 },
      }),
    )
    .withRow(new RowBuilder('Events'))
    .withPanel(
      logList({
        title: 'LoreChat events',
        description:
          'Structured events (JSON body: event, context{thread_id, request_id, component, action, duration_ms, memory_usage, error}).',
        expr: `${LORECHAT_STREAM} |~ "$search" | json | event=~"$event"`,
      }),
    )
    .withRow(new RowBuilder('Errors'))
    .withPanel(
      logList({
        title: 'Error events (open the trace from the trace_id field)',
        description:
          'Events that carry an error context. The Loki datasource turns trace_id into a link to Tempo.',
        expr: `${LORECHAT_STREAM} |~ "$search" | json | context_error_type != ""`,
        layout: { w: 24, h: 10 },
      }),
    )
    .withPanel(
      logMetric({
        title: 'Errors per minute by component and type',
        description:
          'Error events per minute counted from the logs (rate over the interval, times 60).',
        unit: perMinute('errors'),
        expr: `60 * sum by (context_component, context_error_type) (rate(${LORECHAT_STREAM} |~ "$search" | json | context_error_type != "" [$__auto]))`,
        legend: '{{context_component}} {{context_error_type}}',
        links: [traces('Failed spans of these services', 'status = error')],
        layout: { w: 24, h: 7 },
      }),
    );
}
