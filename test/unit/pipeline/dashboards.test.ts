import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parser as logqlParser } from '@grafana/lezer-logql';
import { parser as traceqlParser } from '@grafana/lezer-traceql';
import type { LRParser } from '@lezer/lr';
import { describe, expect, it } from 'vitest';
import {
  buildDashboards,
  dashboardFileName,
  dashboardJson,
  dashboardQueries,
  resolveGrafanaVariables,
} from '../../../grafana/src/index.js';
import {
  ENVIRONMENT_ATTRIBUTE,
  ENVIRONMENT_LABEL,
  LINK_LOG_STREAM,
  LOG_STREAM,
  LORECHAT_TAG,
  SERVICE_ATTRIBUTE,
  SERVICE_LABEL,
} from '../../../grafana/src/scope.js';
import {
  EXTERNAL_METRIC_PREFIXES,
  GEN_AI_SUCCESSORS,
  METRICS,
  metricDefinition,
  metricsForMode,
  prometheusSeriesNames,
} from '../../../src/catalogue/index.js';
import {
  GEN_AI_SEMCONV_MODES,
  type GenAiSemconvMode,
} from '../../../src/telemetry/semconv-mode.js';
import { ROOT, allRules, promqlMetricNames, readText, readYaml } from './helpers.js';

function syntaxErrors(parser: LRParser, query: string): number {
  let errors = 0;
  parser.parse(query).iterate({
    enter: (node) => {
      if (node.type.isError) errors++;
    },
  });
  return errors;
}

function datasourceUidsIn(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => datasourceUidsIn(v, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'datasource' && v !== null && typeof v === 'object' && 'uid' in v) {
        out.add(String((v as { uid: unknown }).uid));
      }
      datasourceUidsIn(v, out);
    }
  }
  return out;
}

describe('Grafana dashboards as code', () => {
  const dashboards = buildDashboards();

  it('the committed grafana/dashboards/*.json are exactly what grafana/src generates', () => {
    const dir = join(ROOT, 'grafana', 'dashboards');
    const committed = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(committed).toEqual(dashboards.map(dashboardFileName).sort());
    for (const d of dashboards) {
      expect(
        readText(`grafana/dashboards/${dashboardFileName(d)}`),
        `${dashboardFileName(d)} is stale: run npm run dashboards`,
      ).toBe(dashboardJson(d));
    }
  });

  it('has the six dashboards with unique uids', () => {
    expect(dashboards.map((d) => d.uid)).toEqual([
      'lorechat-overview',
      'lorechat-graph',
      'lorechat-vector-store',
      'lorechat-llm',
      'lorechat-logs',
      'lorechat-pipeline',
    ]);
  });

  it("the overview (home) has the plan's three panels, each on the series that answers it", () => {
    const panels = (dashboards[0]?.panels ?? []) as {
      title?: string;
      type?: string;
      targets?: { expr?: string; format?: string }[];
    }[];
    const panel = (title: string) => panels.find((p) => p.title === title);
    const distribution = panel('Response time distribution');
    expect(distribution?.type).toBe('heatmap');
    expect(distribution?.targets?.[0]).toMatchObject({ format: 'heatmap' });
    expect(distribution?.targets?.[0]?.expr).toMatch(
      /^sum by \(le\) \(increase\(chat_response_time_seconds_bucket\{/,
    );
    const memory = panel('Memory usage over time');
    expect(memory?.type).toBe('timeseries');
    expect(memory?.targets?.map((t) => promqlMetricNames(t.expr ?? '')).flat()).toEqual([
      'chat_memory_bytes_sum',
      'chat_memory_bytes_count',
      'chat_memory_max_bytes',
    ]);
    const errors = panel('Error rate by component');
    expect(errors?.targets?.[0]?.expr).toMatch(
      /^\(sum by \(component\) \(rate\(lorechat_errors_total\{/,
    );
  });

  it('every datasource uid the dashboards use is provisioned', () => {
    const provisioned = new Set(
      readYaml<{ datasources: { uid: string }[] }>(
        'grafana/provisioning/datasources/datasources.yaml',
      ).datasources.map((d) => d.uid),
    );
    expect([...provisioned].sort()).toEqual(['alertmanager', 'loki', 'prometheus', 'tempo']);
    const used = datasourceUidsIn(dashboards);
    expect([...used].filter((u) => !provisioned.has(u))).toEqual([]);
    expect(used).toEqual(new Set(['prometheus', 'loki', 'tempo']));
  });

  it('the provisioned datasources link exemplars, traces and logs to each other', () => {
    type Ds = { uid: string; jsonData: Record<string, unknown> };
    const ds = new Map(
      readYaml<{ datasources: Ds[] }>(
        'grafana/provisioning/datasources/datasources.yaml',
      ).datasources.map((d) => [d.uid, d.jsonData]),
    );
    expect(ds.get('prometheus')).toMatchObject({
      exemplarTraceIdDestinations: [{ datasourceUid: 'tempo' }],
    });
    expect(ds.get('tempo')).toMatchObject({
      tracesToLogsV2: { datasourceUid: 'loki' },
      tracesToMetrics: { datasourceUid: 'prometheus' },
      serviceMap: { datasourceUid: 'prometheus' },
    });
    expect(ds.get('loki')).toMatchObject({
      derivedFields: [{ datasourceUid: 'tempo', matcherRegex: 'trace_id' }],
    });
  });

  it('Grafana opens the overview, with the plan panels, as its home dashboard', () => {
    const home = /GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: (\S+)/.exec(
      readText('docker-compose.yml'),
    )?.[1];
    expect(home).toBe(`/var/lib/grafana/dashboards/${dashboardFileName(dashboards[0]!)}`);
    expect(dashboards[0]?.uid).toBe('lorechat-overview');
  });

  it('the dashboard provider reads the directory compose mounts the generated JSON into', () => {
    const provider = readYaml<{ providers: { options: { path: string } }[] }>(
      'grafana/provisioning/dashboards/dashboards.yaml',
    ).providers[0];
    expect(provider?.options.path).toBe('/var/lib/grafana/dashboards');
    expect(readText('docker-compose.yml')).toContain(
      './grafana/dashboards:/var/lib/grafana/dashboards:ro',
    );
  });
});

describe('dashboard queries', () => {
  const queries = dashboardQueries();

  it('are exported with their datasource for every language', () => {
    const count = (l: string) => queries.filter((q) => q.language === l).length;
    expect(count('promql')).toBeGreaterThan(30);
    expect(count('logql')).toBeGreaterThanOrEqual(4);
    expect(count('traceql')).toBeGreaterThanOrEqual(2);
    // Data links' queries are listed (and so parsed below) like the panels' own.
    const links = queries.filter((q) => q.from === 'link');
    expect(links.filter((q) => q.language === 'traceql').length).toBeGreaterThanOrEqual(10);
    expect(links.filter((q) => q.language === 'logql').length).toBeGreaterThanOrEqual(5);
    expect(links.filter((q) => q.language === 'promql')).toEqual([]);
    for (const q of queries)
      expect(q.datasource).toBe(
        { promql: 'prometheus', logql: 'loki', traceql: 'tempo' }[q.language],
      );
  });

  it('the LogQL parser flags a broken query (so the checks below can fail)', () => {
    expect(
      syntaxErrors(logqlParser, '{service_name="lorechat"} | json | line_format "{{.event}}" |||'),
    ).toBeGreaterThan(0);
    expect(syntaxErrors(traceqlParser, '{ span.lorechat.graph.node != ')).toBeGreaterThan(0);
  });

  it('every LogQL query parses with @grafana/lezer-logql', () => {
    const bad = queries
      .filter((q) => q.language === 'logql')
      .filter((q) => syntaxErrors(logqlParser, resolveGrafanaVariables(q.query)) > 0)
      .map((q) => `${q.dashboard} / ${q.panel}: ${q.query}`);
    expect(bad).toEqual([]);
  });

  it('every TraceQL query parses with @grafana/lezer-traceql', () => {
    const bad = queries
      .filter((q) => q.language === 'traceql')
      .filter((q) => syntaxErrors(traceqlParser, resolveGrafanaVariables(q.query)) > 0)
      .map((q) => `${q.dashboard} / ${q.panel}: ${q.query}`);
    expect(bad).toEqual([]);
  });

  it('LogQL selects streams by the service and environment index labels only', () => {
    for (const q of queries.filter((x) => x.language === 'logql')) {
      expect(q.query).toContain(q.from === 'link' ? LINK_LOG_STREAM : LOG_STREAM);
      expect(q.query.match(/\{[a-z_]+=/g) ?? [], q.query).toHaveLength(1);
    }
  });

  it('Grafana variables resolve to values Prometheus and Loki accept, and unknown ones are refused', () => {
    expect(resolveGrafanaVariables('rate(x[$__rate_interval])')).toBe('rate(x[1m])');
    expect(resolveGrafanaVariables('x{a=~"$environment", b=~"$service"}')).toBe(
      'x{a=~".*", b=~".+"}',
    );
    expect(
      resolveGrafanaVariables('{ a =~ "${service:pipe}" && b = "${__field.labels.model}" }', {
        service: 'lorechat',
      }),
    ).toBe('{ a =~ "lorechat" && b = "model-value" }');
    expect(() => resolveGrafanaVariables('rate(x[$unknown])')).toThrow(/\$unknown/);
    expect(() => resolveGrafanaVariables('x{a="${unknown:pipe}"}')).toThrow(/unknown/);
  });
});

interface FieldDefaults {
  unit?: string;
  links?: { title: string; internal?: { datasourceUid: string } }[];
  mappings?: { type: string; options: Record<string, unknown> }[];
  thresholds?: { steps: { value: number | null; color: string }[] };
  noValue?: string;
}

interface BuiltPanel {
  type: string;
  title: string;
  description?: string;
  datasource?: { uid?: string };
  targets?: { expr?: string; query?: string; legendFormat?: string; exemplar?: boolean }[];
  fieldConfig?: { defaults?: FieldDefaults };
  options?: { yAxis?: { unit?: string } };
}

const provisioned = new Set(
  readYaml<{ datasources: { uid: string }[] }>(
    'grafana/provisioning/datasources/datasources.yaml',
  ).datasources.map((d) => d.uid),
);

/**
 * Recorded series that keep the labels the variables filter on (the cost rules aggregate by
 * service and environment): they are app series like the catalogue's.
 */
const SCOPED_RECORDS = allRules()
  .filter((r) => r.record !== undefined)
  .filter(
    (r) =>
      [...r.expr.matchAll(/\bsum by \(([^)]*)\)/g)].every((m) => {
        const kept = (m[1] ?? '').split(',').map((l) => l.trim());
        return kept.includes(SERVICE_LABEL) && kept.includes(ENVIRONMENT_LABEL);
      }) && /\bsum by \(/.test(r.expr),
  )
  .map((r) => r.record!);

/** Series that carry the app's resource labels (and so must be scoped by the variables). */
const APP_SERIES = new Set([...prometheusSeriesNames(), ...SCOPED_RECORDS]);
const isAppSeries = (name: string): boolean =>
  APP_SERIES.has(name) || name.startsWith('traces_span_metrics_');
/** Self-metrics of the pipeline (scrape jobs) and alert state: no app resource labels. */
const isInfrastructureSeries = (name: string): boolean =>
  !isAppSeries(name) &&
  EXTERNAL_METRIC_PREFIXES.some((p) => (p === 'up' ? name === 'up' : name.startsWith(p)));

const SCOPE = [`${ENVIRONMENT_LABEL}=~"$environment"`, `${SERVICE_LABEL}=~"$service"`];

/** Selectors of `name` in a PromQL expression that lack one of the scope matchers. */
function unscopedSelectors(expr: string, name: string): string[] {
  const bad: string[] = [];
  for (const m of expr.matchAll(new RegExp(`(?<![\\w:])${name}(?![\\w:])(\\{[^}]*\\})?`, 'g'))) {
    const matchers = m[1] ?? '';
    if (!SCOPE.every((s) => matchers.includes(s))) bad.push(m[0]);
  }
  return bad;
}

const panelsOf = (d: ReturnType<typeof buildDashboards>[number]): BuiltPanel[] =>
  ((d.panels ?? []) as BuiltPanel[]).filter((p) => p.type !== 'row');

/** Panels that list log lines or traces: their columns come typed from Loki or Tempo. */
const isListing = (p: BuiltPanel): boolean =>
  p.type === 'logs' || (p.type === 'table' && p.datasource?.uid === 'tempo');

const unitOf = (p: BuiltPanel): string | undefined =>
  p.fieldConfig?.defaults?.unit ?? p.options?.yAxis?.unit;

describe('the promoted labels the variables filter on', () => {
  it('are resource attributes that Prometheus promotes to labels and Loki indexes', () => {
    const promoted = readYaml<{ otlp: { promote_resource_attributes: string[] } }>(
      'prometheus/prometheus.yml',
    ).otlp.promote_resource_attributes;
    expect(promoted).toEqual(expect.arrayContaining([SERVICE_ATTRIBUTE, ENVIRONMENT_ATTRIBUTE]));
    const loki = readYaml<{
      limits_config: {
        otlp_config: {
          resource_attributes: { attributes_config: { action: string; attributes?: string[] }[] };
        };
      };
    }>('loki/loki.yaml');
    const indexed = loki.limits_config.otlp_config.resource_attributes.attributes_config
      .filter((c) => c.action === 'index_label')
      .flatMap((c) => c.attributes ?? []);
    expect(indexed).toEqual(expect.arrayContaining([SERVICE_ATTRIBUTE, ENVIRONMENT_ATTRIBUTE]));
    // Both escape dots to underscores (UnderscoreEscapingWithSuffixes; Loki's OTLP labels).
    expect([SERVICE_LABEL, ENVIRONMENT_LABEL]).toEqual([
      'service_name',
      'deployment_environment_name',
    ]);
  });
});

describe.each(buildDashboards().map((d) => [d.uid ?? '?', d] as const))(
  'dashboard %s',
  (_uid, dashboard) => {
    const panels = panelsOf(dashboard);
    const queries = dashboardQueries([dashboard]);

    it('has panels', () => {
      expect(panels.length).toBeGreaterThan(3);
    });

    it('every panel has a description, a provisioned datasource and a unit (listings of logs or traces excepted)', () => {
      const problems: string[] = [];
      for (const p of panels) {
        if (!p.description || p.description.length < 15)
          problems.push(`${p.title}: no description`);
        if (!p.datasource?.uid || !provisioned.has(p.datasource.uid))
          problems.push(`${p.title}: datasource ${p.datasource?.uid} is not provisioned`);
        if (!isListing(p) && !unitOf(p)) problems.push(`${p.title}: no unit`);
      }
      expect(problems).toEqual([]);
    });

    it('every metric query names its series (a legend)', () => {
      const unnamed = panels
        .filter((p) => !isListing(p))
        .flatMap((p) =>
          (p.targets ?? []).filter((t) => !t.legendFormat).map((t) => `${p.title}: ${t.expr}`),
        );
      expect(unnamed).toEqual([]);
    });

    it('has the $environment and $service variables, read from Prometheus', () => {
      const vars = (dashboard.templating?.list ?? []).filter((v) =>
        ['environment', 'service'].includes(v.name ?? ''),
      );
      expect(vars.map((v) => v.name)).toEqual(['environment', 'service']);
      for (const v of vars) {
        expect(v.type).toBe('query');
        expect(v.datasource?.uid).toBe('prometheus');
        expect(v.includeAll).toBe(true);
        const query = typeof v.query === 'string' ? v.query : JSON.stringify(v.query);
        expect(query).toContain(v.name === 'environment' ? ENVIRONMENT_LABEL : SERVICE_LABEL);
        const selector = /^label_values\((.*), \w+\)$/.exec(query)?.[1] ?? '';
        const names = promqlMetricNames(selector);
        expect(names.length, query).toBe(1);
        expect(names.every(isAppSeries), query).toBe(true);
      }
    });

    it('applies $environment and $service in every query on app telemetry', () => {
      const problems: string[] = [];
      for (const q of queries) {
        if (q.language === 'promql') {
          const names = promqlMetricNames(q.query);
          if (names.every(isInfrastructureSeries)) continue;
          for (const n of names) {
            if (!isAppSeries(n)) problems.push(`${q.panel}: ${n} mixes app and pipeline series`);
            for (const s of unscopedSelectors(q.query, n)) problems.push(`${q.panel}: ${s}`);
          }
        } else if (q.language === 'logql') {
          if (!q.query.includes(q.from === 'link' ? LINK_LOG_STREAM : LOG_STREAM))
            problems.push(`${q.panel}: ${q.query}`);
        } else {
          const v = (name: string) => `\${${name}:pipe}`;
          for (const cond of [
            `resource.${SERVICE_ATTRIBUTE} =~ "${v('service')}"`,
            `resource.${ENVIRONMENT_ATTRIBUTE} =~ "${v('environment')}"`,
          ]) {
            if (!q.query.includes(cond)) problems.push(`${q.panel}: ${q.query} lacks ${cond}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('links to the other dashboards in a bar, keeping time range and variables', () => {
      expect(dashboard.tags).toContain(LORECHAT_TAG);
      expect(dashboard.links).toEqual([
        expect.objectContaining({
          type: 'dashboards',
          tags: [LORECHAT_TAG],
          asDropdown: false,
          includeVars: true,
          keepTime: true,
        }),
      ]);
      expect(dashboard.links?.[0]).not.toHaveProperty('placement');
    });

    it('every latency percentile panel shows exemplars from span metrics, and only span metrics ask for them', () => {
      const problems: string[] = [];
      for (const p of panels) {
        const targets = p.targets ?? [];
        if (
          targets.some(
            (t) => t.exemplar && !t.expr?.includes('traces_span_metrics_duration_seconds_bucket'),
          )
        )
          problems.push(
            `${p.title}: asks an app histogram for exemplars (the JS SDK records none)`,
          );
        const latencyQuantile = targets.some(
          (t) => t.expr?.includes('histogram_quantile(') && unitOf(p) === 's',
        );
        if (p.type === 'timeseries' && latencyQuantile && !targets.some((t) => t.exemplar))
          problems.push(`${p.title}: no exemplars`);
      }
      expect(problems).toEqual([]);
    });

    it('rates "per minute" are per minute: 60 x a per-second rate, with a /min unit', () => {
      const problems: string[] = [];
      for (const p of panels) {
        const perMinute = /per minute/i.test(p.title) || unitOf(p)?.endsWith('/min');
        if (!perMinute) continue;
        if (!/per minute/i.test(p.title))
          problems.push(`${p.title}: title does not say per minute`);
        if (!unitOf(p)?.endsWith('/min')) problems.push(`${p.title}: unit ${unitOf(p)}`);
        for (const t of p.targets ?? []) {
          const expr = t.expr ?? '';
          if (!/^60 \* sum(\(| by)/.test(expr) || !/\brate\(/.test(expr))
            problems.push(`${p.title}: ${expr}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('rates "per second" are per-second rates with a per-second unit', () => {
      const problems: string[] = [];
      for (const p of panels.filter((x) => /per second/i.test(x.title))) {
        const unit = unitOf(p) ?? '';
        if (!['ops', 'reqps'].includes(unit) && !unit.endsWith('/s'))
          problems.push(`${p.title}: unit ${unit}`);
        for (const t of p.targets ?? [])
          if (!/^sum(\(| by \([^)]*\) \()rate\(/.test(t.expr ?? ''))
            problems.push(`${p.title}: ${t.expr}`);
      }
      expect(problems).toEqual([]);
    });

    it('names only alerts that exist', () => {
      const alerts = new Set(allRules().flatMap((r) => (r.alert ? [r.alert] : [])));
      const named = panels.flatMap(
        (p) => p.description?.match(/\b(LoreChat|OtelCollector|Observability)[A-Z]\w+/g) ?? [],
      );
      expect(named.filter((a) => !alerts.has(a))).toEqual([]);
    });
  },
);

describe('data links to traces and logs', () => {
  const dashboards = buildDashboards();
  const linkTargets = (uid: string) =>
    new Set(
      dashboardQueries(dashboards.filter((d) => d.uid === uid))
        .filter((q) => q.from === 'link')
        .map((q) => q.datasource),
    );

  it('go from the app dashboards to Tempo and Loki, from the logs to Tempo', () => {
    expect(
      Object.fromEntries(dashboards.map((d) => [d.uid, [...linkTargets(d.uid ?? '')].sort()])),
    ).toEqual({
      'lorechat-overview': ['loki', 'tempo'],
      'lorechat-graph': ['loki', 'tempo'],
      'lorechat-vector-store': ['loki', 'tempo'],
      'lorechat-llm': ['loki', 'tempo'],
      'lorechat-logs': ['tempo'],
      // Collector and backend self-metrics have no traces or log events of their own.
      'lorechat-pipeline': [],
    });
  });

  it('are internal links to a provisioned datasource, and every panel of the overview on app telemetry has one', () => {
    for (const d of dashboards) {
      for (const p of panelsOf(d)) {
        for (const l of p.fieldConfig?.defaults?.links ?? []) {
          expect(provisioned.has(l.internal?.datasourceUid ?? ''), `${p.title}: ${l.title}`).toBe(
            true,
          );
        }
      }
    }
    const overview = panelsOf(dashboards[0]!);
    const withoutLinks = overview
      .filter((p) => p.title !== 'Firing alerts' && p.title !== 'Active sessions')
      .filter((p) => (p.fieldConfig?.defaults?.links ?? []).length === 0)
      .map((p) => p.title);
    expect(withoutLinks).toEqual(['Tokens per minute by model and type']);
  });
});

describe('up/down stats', () => {
  const pipeline = panelsOf(buildDashboards().find((d) => d.uid === 'lorechat-pipeline')!);

  it.each(['Collector up', 'Backends up'])(
    '%s shows a red DOWN for 0, for no data and for a missing target, a green UP for 1',
    (title) => {
      const p = pipeline.find((x) => x.title === title)!;
      const defaults = p.fieldConfig?.defaults ?? {};
      const valueMap = defaults.mappings?.find((m) => m.type === 'value')?.options;
      expect(valueMap).toMatchObject({
        '0': { text: 'DOWN', color: 'red' },
        '1': { text: 'UP', color: 'green' },
      });
      expect(defaults.mappings?.find((m) => m.type === 'special')?.options).toMatchObject({
        match: 'null+nan',
        result: { text: 'DOWN', color: 'red' },
      });
      expect(defaults.noValue).toBe('DOWN');
      // Below 1 is red: an unmapped value (0.5 from min() over replicas) is not green either.
      expect(defaults.thresholds?.steps).toEqual([
        { value: null, color: 'red' },
        { value: 1, color: 'green' },
      ]);
    },
  );

  it('Collector up is 0, not absent, when Prometheus has no Collector target', () => {
    const expr = pipeline.find((x) => x.title === 'Collector up')?.targets?.[0]?.expr ?? '';
    expect(expr).toMatch(/ or vector\(0\)$/);
  });
});

/** The Prometheus series of the catalogue metrics recorded in `mode`. */
function seriesOfMode(mode: GenAiSemconvMode): Set<string> {
  return new Set(
    metricsForMode(mode).flatMap((m) =>
      m.kind === 'histogram'
        ? ['_bucket', '_sum', '_count'].map((x) => `${m.prometheusName}${x}`)
        : [m.prometheusName],
    ),
  );
}
const CATALOGUE_SERIES = new Set(prometheusSeriesNames());

/**
 * Whether a PromQL expression can return data when only `present` catalogue series exist:
 * `a or b` needs one side; everything else (functions, aggregations, arithmetic, `and`,
 * `unless`'s left side) needs every series it names. Strings, matchers, ranges and grouping
 * lists are blanked first, so only selectors and calls are left.
 */
function resolvesWith(expr: string, present: (name: string) => boolean): boolean {
  const blank = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const walk = (e: string): boolean => {
    // Split at top-level `or`.
    const parts: string[] = [];
    let depth = 0;
    let from = 0;
    for (let i = 0; i < e.length; i++) {
      const c = e[i];
      if (c === '(') depth++;
      else if (c === ')') depth--;
      else if (depth === 0 && /\sor\s/.test(e.slice(i - 1, i + 3)) && e.slice(i, i + 2) === 'or') {
        parts.push(e.slice(from, i));
        from = i + 2;
      }
    }
    parts.push(e.slice(from));
    if (parts.length > 1) return parts.some(walk);
    // One operand: every parenthesised group must resolve, and every name outside them.
    let outside = '';
    const groups: string[] = [];
    depth = 0;
    let start = 0;
    for (let i = 0; i < e.length; i++) {
      const c = e[i];
      if (c === '(') {
        if (depth === 0) {
          start = i + 1;
          outside += '(';
        }
        depth++;
      } else if (c === ')') {
        depth--;
        if (depth === 0) {
          groups.push(e.slice(start, i));
          outside += ')';
        }
      } else if (depth === 0) outside += c;
    }
    // `unless`: only its left side must have data.
    const left = outside.split(/\sunless\s/)[0] ?? '';
    const kept = outside.includes(' unless ')
      ? groups.slice(0, (left.match(/\(/g) ?? []).length)
      : groups;
    return promqlMetricNames(left).every(present) && kept.every(walk);
  };
  return walk(blank);
}

const LLM_DASHBOARD = 'lorechat-llm';

describe('GenAI semantic-conventions generations', () => {
  const presentIn = (mode: GenAiSemconvMode) => {
    const own = seriesOfMode(mode);
    return (name: string) => !CATALOGUE_SERIES.has(name) || own.has(name);
  };

  it('the resolver finds a query that reads only one generation (so the checks below can fail)', () => {
    const v141Only = 'sum(rate(gen_ai_client_token_usage_sum{a="b"}[5m]))';
    expect(resolvesWith(v141Only, presentIn('v1.41'))).toBe(true);
    expect(resolvesWith(v141Only, presentIn('latest'))).toBe(false);
    const either = `sum by (x) (rate(gen_ai_client_operation_time_to_first_chunk_seconds_bucket[5m]) or rate(gen_ai_client_inference_time_to_first_chunk_seconds_bucket[5m]))`;
    expect(resolvesWith(either, presentIn('latest'))).toBe(true);
    expect(
      resolvesWith(`${either} / sum(rate(gen_ai_client_token_usage_sum[5m]))`, presentIn('latest')),
    ).toBe(false);
    expect(
      resolvesWith('sum(x) unless on (model) gen_ai_client_token_usage_sum', presentIn('latest')),
    ).toBe(true);
  });

  it('every successor pair has the same kind, unit and labels (so `a or b` shows one measurement)', () => {
    for (const p of GEN_AI_SUCCESSORS) {
      const [a, b] = [metricDefinition(p.v141), metricDefinition(p.latest)];
      expect(b.kind, p.latest).toBe(a.kind);
      expect(b.unit, p.latest).toBe(a.unit);
      expect(b.buckets, p.latest).toEqual(a.buckets);
      expect([...b.attributes].sort(), p.latest).toEqual([...a.attributes].sort());
      expect(b.generation).toBe('latest');
    }
    // Every v1.41-only metric a dashboard reads has its successor read next to it.
    const v141Only = METRICS.filter((m) => 'generation' in m && m.generation === 'v1.41');
    expect(v141Only.length).toBeGreaterThan(0);
  });

  it.each(GEN_AI_SEMCONV_MODES)(
    'every dashboard PromQL query returns data from the series recorded in %s mode',
    (mode) => {
      const queries = dashboardQueries().filter((q) => q.language === 'promql');
      const unresolved = queries
        .filter((q) => !resolvesWith(q.query, presentIn(mode)))
        .map((q) => `${q.dashboard} / ${q.panel}: ${q.query}`);
      expect(unresolved).toEqual([]);
      // And the LLM dashboard reads generation-specific series at all (not only the plan's).
      const generational = queries
        .filter((q) => q.dashboard === LLM_DASHBOARD)
        .filter((q) =>
          promqlMetricNames(q.query).some(
            (n) =>
              CATALOGUE_SERIES.has(n) &&
              !seriesOfMode(mode === 'latest' ? 'v1.41' : 'latest').has(n),
          ),
        );
      // v1.41: time to first chunk and tokens; latest: those and the model-call duration.
      expect(generational.length).toBeGreaterThanOrEqual(mode === 'latest' ? 5 : 2);
    },
  );

  it.each(GEN_AI_SEMCONV_MODES)(
    'every alert and recording rule reads series of %s mode',
    (mode) => {
      const unresolved = allRules()
        .filter((r) => !resolvesWith(r.expr, presentIn(mode)))
        .map((r) => `${r.alert ?? r.record}: ${r.expr}`);
      expect(unresolved).toEqual([]);
    },
  );
});

describe('the LLM dashboard cost row', () => {
  const llm = buildDashboards().find((d) => d.uid === 'lorechat-llm')!;
  const panels = panelsOf(llm);
  const budget = (
    JSON.parse(readText('prometheus/prices/cost-config.json')) as {
      dailyBudgetUsd: number;
    }
  ).dailyBudgetUsd;
  const exprsOf = (title: string) =>
    (panels.find((p) => p.title === title)?.targets ?? []).map((t) => t.expr ?? '');

  it('has a Cost row with spend per service and model, the daily total and unpriced tokens', () => {
    const rows = ((llm.panels ?? []) as BuiltPanel[]).filter((p) => p.type === 'row');
    expect(rows.map((r) => r.title)).toContain('Cost');
    const spend = exprsOf('Spend per hour by service and model');
    expect(spend).toEqual([
      expect.stringMatching(
        /^3600 \* sum by \(service_name, model\) \(lorechat:llm_cost_usd:rate5m\{/,
      ),
    ]);
    expect(exprsOf('Spend over the last 24 hours')).toEqual([
      expect.stringMatching(/^86400 \* sum\(lorechat:llm_cost_usd:rate1d\{/),
    ]);
    expect(exprsOf('Tokens without a price, by service and model')).toEqual([
      expect.stringMatching(
        /^sum by \(service_name, model\) \(lorechat:llm_unpriced_tokens:rate5m\{/,
      ),
    ]);
  });

  it('reads cost series that the rules keep per service and environment, so $service applies', () => {
    for (const r of [
      'lorechat:llm_cost_usd:rate5m',
      'lorechat:llm_cost_usd:rate1d',
      'lorechat:llm_unpriced_tokens:rate5m',
    ])
      expect(SCOPED_RECORDS).toContain(r);
  });

  it('the daily total turns orange at 80 % and red at the configured budget, in USD', () => {
    const p = panels.find((x) => x.title === 'Spend over the last 24 hours')!;
    expect(unitOf(p)).toBe('currencyUSD');
    expect(p.fieldConfig?.defaults?.thresholds?.steps).toEqual([
      { value: null, color: 'green' },
      { value: 0.8 * budget, color: 'orange' },
      { value: budget, color: 'red' },
    ]);
    expect(p.description).toContain(`${budget} USD`);
  });

  it('never shows an unpriced model as $0: no cost query defaults to 0, unpriced tokens are labelled so', () => {
    const costQueries = panels
      .flatMap((p) => p.targets ?? [])
      .filter((t) => (t.expr ?? '').includes('llm_cost_usd'));
    expect(costQueries.length).toBe(2);
    for (const t of costQueries) {
      expect(t.expr).not.toMatch(/\bor\b/);
      expect(t.expr).not.toContain('unpriced');
    }
    const unpriced = panels.find((p) => p.title === 'Tokens without a price, by service and model');
    expect(unpriced?.targets?.[0]?.legendFormat).toContain('(unpriced)');
    expect(unitOf(unpriced!)).toBe('suffix: tokens/s');
  });
});
