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
import { ROOT, readText, readYaml } from './helpers.js';

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

  it("the overview has the plan's three panels", () => {
    const titles = (dashboards[0]?.panels ?? []).map((p) => p.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Response time distribution',
        'Memory usage over time',
        'Error rate by component',
      ]),
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
      .filter((q) => syntaxErrors(traceqlParser, q.query) > 0)
      .map((q) => `${q.dashboard} / ${q.panel}: ${q.query}`);
    expect(bad).toEqual([]);
  });

  it('LogQL selects LoreChat by the service_name index label only', () => {
    for (const q of queries.filter((x) => x.language === 'logql')) {
      expect(q.query).toContain('{service_name="lorechat"}');
    }
  });

  it('Grafana variables resolve to values Prometheus and Loki accept, and unknown ones are refused', () => {
    expect(resolveGrafanaVariables('rate(x[$__rate_interval])')).toBe('rate(x[1m])');
    expect(() => resolveGrafanaVariables('rate(x[$unknown])')).toThrow(/\$unknown/);
  });
});
