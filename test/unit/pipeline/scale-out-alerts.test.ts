import { describe, expect, it } from 'vitest';
import { markdownAnchors, readText, readYaml, type RuleFile } from './helpers.js';

/**
 * prometheus/rules/lorechat-scale-out.yml: the scale-out tiers' alerts. Their runbooks live in
 * docs/scaling.md (next to the tiers they are about); promtool tests in
 * prometheus/tests/scale-out.test.yml pin their behaviour, and test/integration/scale-out
 * checks that the running tiers expose every self-metric they read.
 */
const file = readYaml<RuleFile>('prometheus/rules/lorechat-scale-out.yml');
const alerts = file.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);

describe('prometheus/rules/lorechat-scale-out.yml', () => {
  it('alerts on a gateway down, queues filling, backend changes and early trace eviction', () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual(
      [
        'OtelAgentGatewayQueueFilling',
        'OtelGatewayDown',
        'OtelGatewayQueueFilling',
        'OtelGatewayTracesDroppedTooEarly',
        'OtelLoadBalancerBackendsChanging',
        'OtelLoadBalancerBackendsLost',
      ].sort(),
    );
  });

  it.each(alerts.map((a) => [a.alert, a] as const))(
    '%s has severity, component, summary, description and a runbook in docs/scaling.md',
    (_, a) => {
      expect(['critical', 'warning']).toContain(a.labels?.severity);
      expect(a.labels?.component).toBe('pipeline');
      expect(a.annotations?.summary?.length).toBeGreaterThan(10);
      expect(a.annotations?.description?.length).toBeGreaterThan(20);
      // Absolute, from the one configurable base (prometheus.yml external label runbook_base_url).
      expect(a.annotations?.runbook_url).toMatch(
        /^\{\{ \$externalLabels\.runbook_base_url \}\}\/scaling\.md#[a-z0-9-]+$/,
      );
    },
  );

  it('every runbook_url points to a heading under "## Runbooks: scale-out alerts"', () => {
    const doc = readText('docs/scaling.md');
    const start = doc.indexOf('## Runbooks: scale-out alerts');
    expect(start).toBeGreaterThanOrEqual(0);
    const rest = doc.slice(start + 1);
    const next = rest.search(/^## /m);
    const anchors = markdownAnchors(next >= 0 ? rest.slice(0, next) : rest);
    const missing = alerts
      .map((a) => a.annotations?.runbook_url?.split('#')[1] ?? '')
      .filter((anchor) => !anchors.has(anchor));
    expect(missing).toEqual([]);
  });

  it('reads only the tier jobs that prometheus.yml scrapes', () => {
    const jobs = readYaml<{ scrape_configs: { job_name: string }[] }>(
      'prometheus/prometheus.yml',
    ).scrape_configs.map((s) => s.job_name);
    for (const a of alerts) {
      for (const m of a.expr.matchAll(/job="([^"]+)"/g)) expect(jobs, a.alert).toContain(m[1]);
    }
  });
});
