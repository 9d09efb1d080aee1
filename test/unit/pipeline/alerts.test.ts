import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, allRules, markdownAnchors, readText, readYaml, type RuleFile } from './helpers.js';

const alerts = allRules().filter((r) => r.alert !== undefined);
const records = allRules().filter((r) => r.record !== undefined);

interface RouteCases {
  routes: { name: string; labels: Record<string, string>; receivers: string[] }[];
  inhibitions: {
    name: string;
    source: Record<string, string>;
    target: Record<string, string>;
    inhibited: boolean;
  }[];
}

describe('alert rules', () => {
  it('cover the plan: three alerts, SLO burn rates, recommendations and pipeline health', () => {
    expect(alerts.map((a) => a.alert)).toEqual(
      expect.arrayContaining([
        'LoreChatHighResponseTime',
        'LoreChatSessionMemoryHigh',
        'LoreChatHighErrorRate',
        'LoreChatErrorBudgetBurnFast',
        'LoreChatErrorBudgetBurnSlow',
        'LoreChatVectorSearchSlow',
        'LoreChatMemoryGrowth',
        'LoreChatTokenUsageHigh',
        'LoreChatAppDown',
        'OtelCollectorDown',
        'OtelCollectorExportFailing',
        'OtelCollectorQueueFilling',
        'OtelCollectorRefusingData',
      ]),
    );
  });

  it.each(alerts.map((a) => [a.alert, a] as const))(
    '%s has severity, component, summary, description with the value and a runbook',
    (_, a) => {
      expect(['critical', 'warning', 'info']).toContain(a.labels?.severity);
      expect(a.labels?.component).toMatch(/^[a-z]+$/);
      expect(a.annotations?.summary?.length).toBeGreaterThan(10);
      expect(a.annotations?.description).toMatch(/\$value/);
      // Absolute: the configurable base (external label, from LORECHAT_RUNBOOK_BASE_URL) + anchor.
      expect(a.annotations?.runbook_url).toBe(
        `{{ $externalLabels.runbook_base_url }}/troubleshooting.md#${a.alert?.toLowerCase()}`,
      );
    },
  );

  it('every runbook_url points to a heading under "## Alert runbooks" in docs/troubleshooting.md', () => {
    const doc = readText('docs/troubleshooting.md');
    const start = doc.indexOf('## Alert runbooks');
    expect(
      start,
      'docs/troubleshooting.md has a "## Alert runbooks" section',
    ).toBeGreaterThanOrEqual(0);
    const rest = doc.slice(start + 1);
    const next = rest.search(/^## /m);
    const anchors = markdownAnchors(next >= 0 ? rest.slice(0, next) : rest);
    const missing = alerts
      .map((a) => a.annotations?.runbook_url?.split('#')[1] ?? '')
      .filter((anchor) => !anchors.has(anchor));
    expect(missing).toEqual([]);
  });

  it('every alert of every rule file links absolutely to a heading of the document it names', () => {
    const files = readdirSync(join(ROOT, 'prometheus', 'rules')).filter((f) => f.endsWith('.yml'));
    const bad: string[] = [];
    for (const f of files) {
      for (const g of readYaml<RuleFile>(`prometheus/rules/${f}`).groups) {
        for (const r of g.rules) {
          if (r.alert === undefined) continue;
          const m =
            /^\{\{ \$externalLabels\.runbook_base_url \}\}\/([a-z-]+\.md)#([a-z0-9-]+)$/.exec(
              r.annotations?.runbook_url ?? '',
            );
          if (!m || m[2] !== r.alert.toLowerCase()) {
            bad.push(`${f} ${r.alert}: ${r.annotations?.runbook_url}`);
            continue;
          }
          if (!markdownAnchors(readText(`docs/${m[1]}`)).has(m[2]))
            bad.push(`${f} ${r.alert}: no heading #${m[2]} in docs/${m[1]}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('the base comes from one place: an external label expanded from LORECHAT_RUNBOOK_BASE_URL, not sent to Alertmanager', () => {
    const prom = readYaml<{
      global: { external_labels: Record<string, string> };
      alerting: { alert_relabel_configs: { action: string; regex: string }[] };
    }>('prometheus/prometheus.yml');
    expect(prom.global.external_labels.runbook_base_url).toBe('${LORECHAT_RUNBOOK_BASE_URL}');
    expect(prom.alerting.alert_relabel_configs).toContainEqual({
      action: 'labeldrop',
      regex: 'runbook_base_url',
    });
    const compose = readYaml<{
      services: Record<string, { environment?: Record<string, string> }>;
    }>('docker-compose.yml');
    expect(compose.services.prometheus?.environment?.LORECHAT_RUNBOOK_BASE_URL).toMatch(
      /^\$\{LORECHAT_RUNBOOK_BASE_URL:\?/,
    );
    expect(readText('.env.example')).toMatch(/^LORECHAT_RUNBOOK_BASE_URL=$/m);
  });

  it.each(alerts.map((a) => [a.alert] as const))(
    '%s has a promtool test that checks its absolute runbook_url',
    (alertname) => {
      interface TestFile {
        tests: {
          external_labels?: Record<string, string>;
          alert_rule_test?: {
            alertname: string;
            exp_alerts: { exp_annotations?: Record<string, string> }[];
          }[];
        }[];
      }
      const dir = join(ROOT, 'prometheus', 'tests');
      const checked = readdirSync(dir)
        .filter((f) => f.endsWith('.test.yml'))
        .flatMap((f) => readYaml<TestFile>(`prometheus/tests/${f}`).tests)
        .flatMap((group) =>
          (group.alert_rule_test ?? [])
            .filter((t) => t.alertname === alertname)
            .flatMap((t) => t.exp_alerts)
            .map((e) => ({ base: group.external_labels?.runbook_base_url, e })),
        )
        .filter(({ base, e }) => base?.startsWith('https://') && e.exp_annotations?.runbook_url);
      expect(
        checked.length,
        `a firing test case of ${alertname} with exp_annotations`,
      ).toBeGreaterThan(0);
      for (const { base, e } of checked) {
        expect(e.exp_annotations?.runbook_url).toBe(
          `${base}/troubleshooting.md#${alertname?.toLowerCase()}`,
        );
      }
    },
  );

  it('uses the plan thresholds', () => {
    const expr = (name: string) => alerts.find((a) => a.alert === name)?.expr ?? '';
    expect(expr('LoreChatHighResponseTime')).toMatch(/p95_5m > 2$/);
    expect(expr('LoreChatSessionMemoryHigh')).toMatch(/chat_memory_max_bytes\) > 500000000$/);
    expect(expr('LoreChatHighErrorRate')).toMatch(/> 0\.05$/);
    expect(expr('LoreChatVectorSearchSlow')).toMatch(/> 0\.5$/);
    expect(expr('LoreChatMemoryGrowth')).toMatch(/> 1\.1\s*$/);
    expect(expr('LoreChatTokenUsageHigh')).toMatch(/\* 60 > 1000$/);
    expect(expr('LoreChatErrorBudgetBurnFast')).toMatch(/14\.4 \* 0\.01[\s\S]*6 \* 0\.01/);
    expect(expr('LoreChatErrorBudgetBurnSlow')).toMatch(/3 \* 0\.01[\s\S]*1 \* 0\.01/);
  });
});

describe('promtool unit tests', () => {
  const testFiles = readdirSync(join(ROOT, 'prometheus', 'tests')).filter((f) =>
    f.endsWith('.test.yml'),
  );
  const tests = testFiles.map((f) =>
    readYaml<{
      rule_files: string[];
      tests: {
        alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[];
        promql_expr_test?: { expr: string }[];
      }[];
    }>(`prometheus/tests/${f}`),
  );

  it('every alert is tested both firing and silent', () => {
    const firing = new Set<string>();
    const silent = new Set<string>();
    for (const file of tests)
      for (const t of file.tests)
        for (const a of t.alert_rule_test ?? [])
          (a.exp_alerts.length > 0 ? firing : silent).add(a.alertname);
    const names = alerts.map((a) => a.alert ?? '');
    expect(names.filter((n) => !firing.has(n))).toEqual([]);
    expect(names.filter((n) => !silent.has(n))).toEqual([]);
  });

  it('every recording rule has an expected value in a promql_expr_test', () => {
    const tested = new Set(
      tests.flatMap((f) => f.tests.flatMap((t) => (t.promql_expr_test ?? []).map((p) => p.expr))),
    );
    expect(records.map((r) => r.record ?? '').filter((r) => !tested.has(r))).toEqual([]);
  });

  it('load the shipped rule files', () => {
    for (const f of tests) {
      expect(f.rule_files.every((r) => r.startsWith('../rules/'))).toBe(true);
    }
  });
});

describe('Alertmanager routing cases (data for amtool)', () => {
  const cases = readYaml<RouteCases>('alertmanager/tests/routes.yaml');
  const config = readYaml<{ receivers: { name: string }[] }>('alertmanager/alertmanager.yml');
  const receivers = new Set(config.receivers.map((r) => r.name));

  it('has one case per alert rule, carrying the rule labels', () => {
    for (const a of alerts) {
      const c = cases.routes.find((r) => r.labels.alertname === a.alert);
      expect(c, `route case for ${a.alert}`).toBeDefined();
      expect(c?.labels).toMatchObject(a.labels ?? {});
    }
  });

  it('expects critical -> page, warning -> ticket, and only receivers that exist', () => {
    for (const c of cases.routes) {
      for (const r of c.receivers) expect(receivers).toContain(r);
      const sev = c.labels.severity;
      if (sev === 'critical') expect(c.receivers).toEqual(['page']);
      else if (sev === 'warning') expect(c.receivers).toEqual(['ticket']);
      else expect(c.receivers).toEqual(['default']);
    }
  });

  it('has inhibition cases both ways', () => {
    expect(cases.inhibitions.some((i) => i.inhibited)).toBe(true);
    expect(cases.inhibitions.some((i) => !i.inhibited)).toBe(true);
  });

  it('keeps secrets out of the config: every URL and password comes from a file', () => {
    const text = readText('alertmanager/alertmanager.yml');
    expect(text).not.toMatch(/^\s*(url|api_url|slack_api_url|auth_password|smtp_auth_password):/m);
    expect(text).toMatch(/url_file: \/run\/secrets\/alert_webhook_url/);
  });
});
