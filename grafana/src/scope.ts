/**
 * What every LoreChat dashboard shares: the `$environment` and `$service` variables, the
 * matchers that apply them in PromQL, LogQL and TraceQL, and the link bar between the
 * dashboards.
 *
 * The label names are the resource attributes Prometheus (prometheus/prometheus.yml,
 * `otlp.promote_resource_attributes`) and Loki (loki/loki.yaml, `otlp_config` index labels)
 * promote, escaped the way both escape OTLP names: `deployment.environment.name` ->
 * `deployment_environment_name`, `service.name` -> `service_name`. Tempo keeps the dotted
 * resource attribute names. A unit test reads both configs and fails if a label is not promoted.
 */
import {
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_SERVICE_NAME,
} from '@opentelemetry/semantic-conventions';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  DashboardBuilder,
  type DashboardLink,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { METRIC_CHAT_RESPONSE_TIME } from '../../src/semconv.js';
import { PROMETHEUS } from './datasources.js';
import { label, series } from './names.js';

export const ENVIRONMENT_ATTRIBUTE = ATTR_DEPLOYMENT_ENVIRONMENT_NAME;
export const SERVICE_ATTRIBUTE = ATTR_SERVICE_NAME;
export const ENVIRONMENT_LABEL = label(ENVIRONMENT_ATTRIBUTE);
export const SERVICE_LABEL = label(SERVICE_ATTRIBUTE);

/** The tag every LoreChat dashboard carries; the link bar lists the dashboards by it. */
export const LORECHAT_TAG = 'lorechat';

/**
 * "All" values. Environment: `.*`, so an app that sets no environment still shows (the
 * Collector inserts one, but an app may export elsewhere). Service: `.+`, because a Loki stream
 * selector needs one matcher that does not match the empty string.
 */
export const ALL_ENVIRONMENTS = '.*';
export const ALL_SERVICES = '.+';

/** PromQL/LogQL label matchers of the two variables, to put in every selector. */
export const SCOPE_MATCHERS = `${ENVIRONMENT_LABEL}=~"$environment", ${SERVICE_LABEL}=~"$service"`;

/**
 * A PromQL selector scoped to the dashboard's environment and service:
 * `sel('x_total', 'status="error"')` -> `x_total{status="error", deployment_environment_name=~"$environment", service_name=~"$service"}`.
 */
export function sel(seriesName: string, matchers?: string): string {
  return `${seriesName}{${matchers ? `${matchers}, ` : ''}${SCOPE_MATCHERS}}`;
}

/** The LogQL stream selector of the dashboard's services (Loki index labels only). */
export const LOG_STREAM = `{${SERVICE_LABEL}=~"$service", ${ENVIRONMENT_LABEL}=~"$environment"}`;

/**
 * A multi-value variable in a string that no datasource formats for us: the default format of
 * a data link (interpolated by the panel) is a glob `{a,b}`. `:pipe` gives `a|b`, a regex
 * alternation, and a custom All value (`.+`, `.*`) is used as is.
 */
const alternation = (name: string): string => `\${${name}:pipe}`;

/**
 * TraceQL conditions on the resource attributes of the dashboard's services, in Tempo panels
 * and in data links alike (`=~` takes the `a|b` alternation).
 */
export const TRACE_SCOPE = `resource.${SERVICE_ATTRIBUTE} =~ "${alternation('service')}" && resource.${ENVIRONMENT_ATTRIBUTE} =~ "${alternation('environment')}"`;
export const LINK_TRACE_SCOPE = TRACE_SCOPE;

/** The stream selector for data links, whose variables the panel (not Loki) interpolates. */
export const LINK_LOG_STREAM = `{${SERVICE_LABEL}=~"${alternation('service')}", ${ENVIRONMENT_LABEL}=~"${alternation('environment')}"}`;

/** The series the variables read their values from: every chat turn records it. */
const VARIABLE_SOURCE = `${series(METRIC_CHAT_RESPONSE_TIME)}_count`;

function environmentVariable(): QueryVariableBuilder {
  const query = `label_values(${VARIABLE_SOURCE}, ${ENVIRONMENT_LABEL})`;
  return new QueryVariableBuilder('environment')
    .label('Environment')
    .description(
      `deployment.environment.name of the app's telemetry (Prometheus label ${ENVIRONMENT_LABEL}).`,
    )
    .datasource(PROMETHEUS)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue(ALL_ENVIRONMENTS)
    .current({ text: 'All', value: '$__all' });
}

function serviceVariable(): QueryVariableBuilder {
  const query = `label_values(${VARIABLE_SOURCE}{${ENVIRONMENT_LABEL}=~"$environment"}, ${SERVICE_LABEL})`;
  return new QueryVariableBuilder('service')
    .label('Service')
    .description(`service.name of the app (Prometheus and Loki label ${SERVICE_LABEL}).`)
    .datasource(PROMETHEUS)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue(ALL_SERVICES)
    .current({ text: 'All', value: '$__all' });
}

/**
 * One link that Grafana expands into every dashboard tagged `lorechat`, keeping time and
 * variables, shown as a bar above the panels. The SDK's default link has placement
 * "inControlsMenu" (hidden in the controls menu); a link without placement is shown in the bar.
 */
function linkBar(): cog.Builder<DashboardLink> {
  const link = new DashboardLinkBuilder('LoreChat')
    .type(DashboardLinkType.Dashboards)
    .tags([LORECHAT_TAG])
    .asDropdown(false)
    .includeVars(true)
    .keepTime(true)
    .targetBlank(false)
    .build();
  delete link.placement;
  return { build: () => link };
}

export interface DashboardOptions {
  uid: string;
  title: string;
  description: string;
  /** Tags besides `lorechat`. */
  tags: string[];
}

/** A LoreChat dashboard: the shared variables, link bar, time range, refresh and crosshair. */
export function lorechatDashboard(o: DashboardOptions): DashboardBuilder {
  return new DashboardBuilder(o.title)
    .uid(o.uid)
    .description(o.description)
    .tags([LORECHAT_TAG, ...o.tags])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .withVariable(environmentVariable())
    .withVariable(serviceVariable())
    .link(linkBar());
}
