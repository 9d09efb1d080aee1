/**
 * The Alertmanager templates (alertmanager/templates/lorechat.tmpl) render every alert's
 * runbook link as it arrives -- absolute -- in the chat text, the chat title link and the
 * e-mail, rendered by the real amtool (`amtool template render`) of the pinned release.
 * The links themselves are checked per alert by promtool (prometheus/tests) and end to end by
 * pipeline-faults.test.ts.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readYaml, type RuleFile } from '../unit/pipeline/helpers.js';
import { backendPaths, PROVISION_COMMAND } from '../../scripts/backends/paths.mjs';
import { REPO_ROOT, run } from '../helpers/stack.js';

const BASE = 'https://runbooks.example.com/lorechat/docs';
const dir = mkdtempSync(join(tmpdir(), 'alert-templates-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Only amtool is needed here; the error names it and the provisioning command. */
function amtool(): string {
  const path = backendPaths().amtool;
  if (!existsSync(path)) throw new Error(`amtool is missing (${path}): run ${PROVISION_COMMAND}`);
  return path;
}

function render(template: string, data: unknown): string {
  const file = join(dir, `data-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(data));
  const r = run(amtool(), [
    'template',
    'render',
    `--template.glob=${join(REPO_ROOT, 'alertmanager', 'templates', '*.tmpl')}`,
    `--template.text={{ template "${template}" . }}`,
    `--template.data=${file}`,
    ...(template.endsWith('.html') ? ['--template.type=html'] : []),
  ]);
  if (r.code !== 0) throw new Error(`amtool template render ${template}: ${r.stderr}`);
  return r.stdout;
}

/** Every alert of every rule file (plan, pipeline, agents, scale-out). */
const alerts = readdirSync(join(REPO_ROOT, 'prometheus', 'rules'))
  .filter((f) => f.endsWith('.yml'))
  .flatMap((f) => readYaml<RuleFile>(`prometheus/rules/${f}`).groups.flatMap((g) => g.rules))
  .filter((r) => r.alert !== undefined);

describe('Alertmanager templates render the absolute runbook link', () => {
  it.each(alerts.map((a) => [a.alert!, a] as const))('%s', (alertname, rule) => {
    // What Prometheus sends: the annotation template with the external label expanded.
    const runbook = (rule.annotations?.runbook_url ?? '').replace(
      '{{ $externalLabels.runbook_base_url }}',
      BASE,
    );
    expect(runbook).toMatch(new RegExp(`^${BASE}/[a-z-]+\\.md#${alertname.toLowerCase()}$`));
    const labels = { alertname, ...rule.labels };
    const data = {
      receiver: 'page',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels,
          annotations: { summary: 'summary', description: 'description', runbook_url: runbook },
          startsAt: '2026-01-01T00:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
        },
      ],
      groupLabels: { alertname },
      commonLabels: labels,
      commonAnnotations: {},
      externalURL: 'http://127.0.0.1:9093',
    };
    expect(render('lorechat.runbook', data)).toBe(runbook);
    expect(render('lorechat.text', data)).toContain(`Runbook: ${runbook}\n`);
    expect(render('lorechat.email.html', data)).toContain(`<a href="${runbook}">`);
  });

  it('leaves the runbook line out when an alert has none (hand-made test alerts)', () => {
    const data = {
      receiver: 'page',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'LoreChatTestAlert' },
          annotations: { summary: 'summary', description: 'description' },
          startsAt: '2026-01-01T00:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
        },
      ],
      groupLabels: {},
      commonLabels: { alertname: 'LoreChatTestAlert' },
      commonAnnotations: {},
      externalURL: 'http://127.0.0.1:9093',
    };
    expect(render('lorechat.text', data)).not.toContain('Runbook');
    expect(render('lorechat.email.html', data)).not.toContain('Runbook');
  });
});
