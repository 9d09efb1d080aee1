/**
 * LoreChat's Grafana dashboards as code. `npm run dashboards` writes them to
 * grafana/dashboards/<uid>.json (provisioned by grafana/provisioning/dashboards/dashboards.yaml);
 * a unit test fails when the committed JSON differs from what this code builds.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { LANGUAGE_OF, type QueryDatasourceUid, type QueryLanguage } from './datasources.js';
import { ALL_ENVIRONMENTS, ALL_SERVICES } from './scope.js';
import { graphDashboard } from './dashboards/graph.js';
import { llmDashboard } from './dashboards/llm.js';
import { logsDashboard } from './dashboards/logs.js';
import { overviewDashboard } from './dashboards/overview.js';
import { pipelineDashboard } from './dashboards/pipeline.js';
import { vectorStoreDashboard } from './dashboards/vector-store.js';

/** Every dashboard, built. */
export function buildDashboards(): Dashboard[] {
  return [
    overviewDashboard(),
    graphDashboard(),
    vectorStoreDashboard(),
    llmDashboard(),
    logsDashboard(),
    pipelineDashboard(),
  ].map((d) => d.build());
}

/** The file a dashboard is provisioned from: `<uid>.json`. */
export function dashboardFileName(d: Dashboard): string {
  if (!d.uid) throw new Error(`dashboard "${d.title}" has no uid`);
  return `${d.uid}.json`;
}

/** A dashboard as committed: stable two-space JSON with a trailing newline. */
export function dashboardJson(d: Dashboard): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  refId: string;
  datasource: QueryDatasourceUid;
  language: QueryLanguage;
  /** `target`: a query the panel runs; `link`: the query a data link of the panel opens in Explore. */
  from: 'target' | 'link';
  /** The query as stored in the dashboard (may contain Grafana variables). */
  query: string;
}

interface TargetLike {
  refId?: string;
  datasource?: { uid?: string };
  expr?: string;
  query?: string;
}

interface LinkLike {
  title?: string;
  internal?: { datasourceUid?: string; query?: TargetLike };
}

interface PanelLike {
  title?: string;
  datasource?: { uid?: string };
  targets?: TargetLike[];
  panels?: PanelLike[];
  fieldConfig?: { defaults?: { links?: LinkLike[] } };
}

function isQueryDatasource(uid: string): uid is QueryDatasourceUid {
  return Object.hasOwn(LANGUAGE_OF, uid);
}

/**
 * Every PromQL, LogQL and TraceQL query of every dashboard, with its datasource, read from the
 * built dashboards (so the list cannot drift from them): the panels' targets and the queries
 * their data links open. Tests parse them, check their metric names against the catalogue and
 * run the PromQL against a real Prometheus.
 */
export function dashboardQueries(dashboards: Dashboard[] = buildDashboards()): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  const add = (
    dashboard: Dashboard,
    panel: PanelLike,
    t: TargetLike,
    from: DashboardQuery['from'],
    uid: string | undefined,
  ) => {
    const where = `${dashboard.title} / ${panel.title ?? '?'}`;
    if (uid === undefined) throw new Error(`${where}: query ${t.refId ?? '?'} has no datasource`);
    if (!isQueryDatasource(uid)) throw new Error(`${where}: unknown datasource uid "${uid}"`);
    const query = uid === 'tempo' ? t.query : t.expr;
    if (query === undefined || query.trim() === '') {
      throw new Error(`${where}: query ${t.refId ?? '?'} is empty`);
    }
    out.push({
      dashboard: dashboard.uid ?? dashboard.title ?? '',
      panel: panel.title ?? '',
      refId: t.refId ?? '',
      datasource: uid,
      language: LANGUAGE_OF[uid],
      from,
      query,
    });
  };
  const visit = (dashboard: Dashboard, panel: PanelLike) => {
    for (const t of panel.targets ?? []) {
      add(dashboard, panel, t, 'target', t.datasource?.uid ?? panel.datasource?.uid);
    }
    for (const link of panel.fieldConfig?.defaults?.links ?? []) {
      if (link.internal?.query === undefined) continue;
      add(dashboard, panel, link.internal.query, 'link', link.internal.datasourceUid);
    }
    for (const child of panel.panels ?? []) visit(dashboard, child);
  };
  for (const d of dashboards) for (const p of (d.panels ?? []) as PanelLike[]) visit(d, p);
  return out;
}

/** Values of the dashboards' own variables: "All" unless a test asks for concrete ones. */
export interface VariableValues {
  /** `$environment` (default: All, `.*`). */
  environment?: string;
  /** `$service` (default: All, `.+`). */
  service?: string;
  interval?: string;
  range?: string;
}

/**
 * Replaces the Grafana variables our queries use with concrete values, as Grafana does before
 * it sends a query: `$__rate_interval`, `$__interval` and `$__auto` -> `interval`, `$__range`
 * -> `range`, `$environment`/`$service` (also `${x:pipe}` in data links) -> their value (All by
 * default), multi-value `$event` -> `.+` (All), `$search` -> `` (empty text box), and a data
 * link's `${__field.labels.x}` -> `x-value` (a label value of the clicked series).
 */
export function resolveGrafanaVariables(
  query: string,
  {
    interval = '1m',
    range = '1h',
    environment = ALL_ENVIRONMENTS,
    service = ALL_SERVICES,
  }: VariableValues = {},
): string {
  const resolved = query
    .replace(/\$\{__field\.labels\.(\w+)\}/g, '$1-value')
    .replace(/\$\{(environment|service)(:pipe)?\}/g, (_, name: string) =>
      name === 'environment' ? environment : service,
    )
    .replaceAll('$environment', environment)
    .replaceAll('$service', service)
    .replaceAll('$__rate_interval', interval)
    .replaceAll('$__interval', interval)
    .replaceAll('$__auto', interval)
    .replaceAll('$__range', range)
    .replaceAll('$event', '.+')
    .replaceAll('$search', '');
  const left = /\$\{?\w+/.exec(resolved);
  if (left)
    throw new Error(`query uses Grafana variable ${left[0]} that has no test value: ${query}`);
  return resolved;
}
