/**
 * Proof 1, end to end: the instrumented reference app, driven by the load generator, exports
 * OTLP to our Collector; Prometheus (shipped config + rules) must then hold every catalogue
 * metric under its catalogue name and labels, and every dashboard query, recording rule and
 * alert expression must evaluate without error and return data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardQueries, resolveGrafanaVariables } from '../../grafana/src/index.js';
import { metricsForMode } from '../../src/catalogue/index.js';
import { allRules, promqlMetricNames } from '../unit/pipeline/helpers.js';
import {
  DEPLOYMENT_ENVIRONMENT,
  driveMixedWorkload,
  E2E,
  eventually,
  SERVICE_NAME,
  SERVICE_NAMESPACE,
} from '../e2e/harness.js';

const JOB = `${SERVICE_NAMESPACE}/${SERVICE_NAME}`;

/** Labels every OTLP series carries besides the instrument's attributes. */
const RESOURCE_LABELS = new Set([
  '__name__',
  'job',
  'instance',
  'service_name',
  'service_namespace',
  'deployment_environment_name',
  'le',
]);
const isInfrastructureLabel = (l: string): boolean =>
  RESOURCE_LABELS.has(l) || l.startsWith('otel_scope_');

/** OTLP attribute key -> Prometheus label (UnderscoreEscapingWithSuffixes). */
const labelOf = (key: string): string => key.replace(/[^A-Za-z0-9_]/g, '_');

/**
 * Dashboard queries allowed to return nothing in a healthy few-minute run, with the reason.
 * Every other query must return data.
 */
const MAY_BE_EMPTY: Record<string, string> = {
  'ALERTS{alertstate="firing"}': 'no alert fires during this run (e2e-alerts proves firing)',
  'lorechat:component_errors:ratio_rate5m{component="vector"}':
    "the reference app's in-process vector store never fails, and lorechat_errors_total gets a series only with the first error",
  ...Object.fromEntries(
    dashboardQueries()
      .filter(
        (q) =>
          q.query.includes('gen_ai_invoke_agent_duration_seconds_count') &&
          q.query.includes('error_type!=""'),
      )
      .map((q) => [
        q.query,
        "the reference app's agent runs never fail: ToolNode hands a failing tool's error to the model",
      ]),
  ),
  ...Object.fromEntries(
    dashboardQueries()
      .filter((q) => q.query.includes('lorechat:llm_cost_usd:'))
      .map((q) => [
        q.query,
        "the reference app's offline model has no price (its tokens are in the unpriced panel); e2e-cost proves the spend queries with a priced model",
      ]),
  ),
  ...Object.fromEntries(
    dashboardQueries()
      .filter((q) => q.query.includes('otelcol_exporter_send_failed_'))
      .map((q) => [
        q.query,
        'the Collector creates otelcol_exporter_send_failed_* only at the first failed send (e2e-no-loss makes sends fail)',
      ]),
  ),
};

/** Series an alert reads that need not exist in this run, with the reason. */
const MAY_BE_ABSENT: Record<string, string> = {
  otelcol_exporter_send_failed_spans_total: 'created at the first failed send',
  otelcol_exporter_send_failed_metric_points_total: 'created at the first failed send',
  otelcol_exporter_send_failed_log_records_total: 'created at the first failed send',
  otelcol_exporter_enqueue_failed_spans_total: 'created at the first failed enqueue',
  otelcol_exporter_enqueue_failed_metric_points_total: 'created at the first failed enqueue',
  otelcol_exporter_enqueue_failed_log_records_total: 'created at the first failed enqueue',
};

/** Recording rules allowed to return nothing in this run, with the reason. */
const MAY_BE_EMPTY_RECORDS: Record<string, string> = Object.fromEntries(
  ['1m', '5m', '1h', '1d'].map((w) => [
    `lorechat:llm_cost_usd:rate${w}`,
    "the reference app's offline model has no price: it is reported by lorechat:llm_unpriced_tokens:rate5m instead (e2e-semconv-latest checks it)",
  ]),
);

let e2e: E2E;

beforeAll(async () => {
  e2e = await E2E.start({ alertmanager: true });
  await driveMixedWorkload(e2e.app, 60);
  // Recording groups evaluate every minute: wait until the 5m aggregates exist.
  await e2e.stack.waitForQuery('lorechat:chat_response_time_seconds:p95_5m', {
    timeoutMs: 150_000,
  });
  await e2e.stack.waitForQuery('lorechat:component_errors:ratio_rate1m', { timeoutMs: 90_000 });
  // The cost group evaluates on its own minute: the LLM dashboard's unpriced panel reads it.
  await e2e.stack.waitForQuery('lorechat:llm_unpriced_tokens:rate5m', { timeoutMs: 90_000 });
}, 300_000);

afterAll(async () => {
  await e2e?.stop();
});

describe('Prometheus, fed by the instrumented app through our Collector', () => {
  it('holds every catalogue metric under its prometheusName, labelled only with catalogue attributes', async () => {
    const problems: string[] = [];
    // The app runs the default GenAI conventions (v1.41); e2e-semconv-latest covers the other mode.
    for (const m of metricsForMode('v1.41')) {
      const name = m.kind === 'histogram' ? `${m.prometheusName}_count` : m.prometheusName;
      const series = await e2e.stack.query(`${name}{job="${JOB}"}`);
      if (series.length === 0) {
        problems.push(`${name}: no series`);
        continue;
      }
      const allowed = new Set(m.attributes.map(labelOf));
      for (const s of series) {
        const extra = Object.keys(s.metric).filter(
          (l) => !isInfrastructureLabel(l) && !allowed.has(l),
        );
        if (extra.length > 0)
          problems.push(`${name}: labels not in the catalogue: ${extra.join(', ')}`);
        const r = s.metric;
        if (
          r.service_name !== SERVICE_NAME ||
          r.service_namespace !== SERVICE_NAMESPACE ||
          r.deployment_environment_name !== DEPLOYMENT_ENVIRONMENT
        ) {
          problems.push(`${name}: resource labels ${JSON.stringify(r)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps thread ids and request ids off every metric series', async () => {
    const series = await e2e.stack.query(`{job="${JOB}"}`);
    expect(series.length).toBeGreaterThan(0);
    const leaked = series.filter((s) =>
      Object.entries(s.metric).some(
        ([k, v]) => /thread|request_id|conversation/.test(k) || /^load-/.test(v),
      ),
    );
    expect(leaked.map((s) => s.metric)).toEqual([]);
  });

  it('has span metrics from the Collector (span_metrics connector) for the app', async () => {
    const calls = await e2e.stack.waitForQuery(
      `sum by (span_name) (traces_span_metrics_calls_total{service_name="${SERVICE_NAME}"})`,
    );
    const names = calls.map((s) => s.metric.span_name);
    expect(names).toEqual(
      expect.arrayContaining(['invoke_workflow lorechat', 'chat lorechat-offline-1']),
    );
  });

  it('answers every dashboard PromQL query without error, with data (except the listed ones)', async () => {
    const queries = dashboardQueries().filter((q) => q.language === 'promql');
    expect(queries.length).toBeGreaterThan(20);
    const errors: string[] = [];
    const empty: string[] = [];
    for (const q of queries) {
      const expr = resolveGrafanaVariables(q.query, { interval: '1m', range: '5m' });
      try {
        const result = await e2e.stack.query(expr);
        if (result.length === 0 && MAY_BE_EMPTY[q.query] === undefined) {
          empty.push(`${q.dashboard} / ${q.panel}: ${expr}`);
        }
      } catch (error) {
        errors.push(`${q.dashboard} / ${q.panel}: ${String(error)}`);
      }
    }
    expect(errors).toEqual([]);
    expect(empty).toEqual([]);
  });

  it('evaluates every recording rule expression with data; Prometheus records the 1m and 5m groups', async () => {
    const records = allRules().filter((r) => r.record !== undefined);
    expect(records.length).toBeGreaterThan(20);
    const problems: string[] = [];
    for (const r of records) {
      try {
        const result = await e2e.stack.query(r.expr);
        if (result.length === 0 && MAY_BE_EMPTY_RECORDS[r.record!] === undefined)
          problems.push(`${r.record}: expression returned no data`);
      } catch (error) {
        problems.push(`${r.record}: ${String(error)}`);
      }
    }
    expect(problems).toEqual([]);
    // The 1h and 1d groups evaluate every 5 minutes (their first run may be later than this
    // test); their semantics are pinned by promtool (prometheus/tests/recording.test.yml).
    const recordedHere = records.filter((r) => /_(1m|5m)$/.test(r.record!)).map((r) => r.record!);
    await eventually(
      async () => {
        const missing: string[] = [];
        for (const name of recordedHere) {
          if ((await e2e.stack.query(name)).length === 0) missing.push(name);
        }
        return missing.length === 0 ? undefined : `not recorded yet: ${missing.join(', ')}`;
      },
      90_000,
      2_000,
    );
  });

  it('evaluates every alert expression without error, reading series that exist', async () => {
    const alerts = allRules().filter((r) => r.alert !== undefined);
    expect(alerts.length).toBeGreaterThan(10);
    // Recorded series are checked through their expressions above (the 1h/1d groups run
    // every 5 minutes, so their series may not exist yet).
    const recorded = new Set(allRules().flatMap((r) => (r.record ? [r.record] : [])));
    const problems: string[] = [];
    for (const a of alerts) {
      try {
        await e2e.stack.query(a.expr);
      } catch (error) {
        problems.push(`${a.alert}: ${String(error)}`);
      }
      for (const name of promqlMetricNames(a.expr)) {
        if (recorded.has(name) || MAY_BE_ABSENT[name] !== undefined) continue;
        if ((await e2e.stack.query(`count(${name})`)).length === 0) {
          problems.push(`${a.alert}: reads ${name}, which has no series`);
        }
      }
    }
    expect(problems).toEqual([]);

    // And Prometheus's own rule manager evaluated them all without error.
    const response = await fetch(`${e2e.stack.prometheus!.url}/api/v1/rules`);
    const body = (await response.json()) as {
      data: {
        groups: Array<{
          name: string;
          rules: Array<{ name: string; health: string; lastError?: string }>;
        }>;
      };
    };
    const unhealthy = body.data.groups.flatMap((g) =>
      g.rules
        .filter((r) => r.health === 'err')
        .map((r) => `${g.name}/${r.name}: ${r.lastError ?? ''}`),
    );
    expect(unhealthy).toEqual([]);
  });
});
