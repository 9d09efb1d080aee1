/**
 * The reference app and small fixtures, unmodified, run under `--require ./dist/register.cjs`
 * (CommonJS build) and `--import ./dist/register.js` (ES module build), exporting OTLP to a
 * real HTTP receiver. Needs `npm run build` (the `pretest` script).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CHAT_RESPONSE_TIME_BUCKETS,
  EVENTS,
  EXTERNAL_METRIC_PREFIXES,
  METRICS,
} from '../../src/catalogue/index.js';
import { OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { runNode } from '../helpers/run-node.js';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await OtlpReceiver.start();
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(() => receiver.clear());

function otlpEnv(protocol: 'http/protobuf' | 'http/json'): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
  };
}

function ancestors(span: ReceivedSpan, byId: Map<string, ReceivedSpan>): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  let cur = byId.get(span.parentSpanId);
  while (cur) {
    out.push(cur);
    cur = byId.get(cur.parentSpanId);
  }
  return out;
}

const catalogueNames = new Set<string>(METRICS.map((m) => m.name));
/** Chat turns of the scripted demo: four through the graph, three through the agent. */
const DEMO_TURNS = 7;
const externalPrefixes = EXTERNAL_METRIC_PREFIXES.filter((p) => p.endsWith('_')).map((p) =>
  p.replace(/_$/, '.'),
);

/** What the scripted demo's telemetry must look like, whatever the loader and protocol. */
function expectDemoTelemetry(r: OtlpReceiver): void {
  const spans = r.spans();
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const turns = spans.filter((s) => s.name === 'invoke_workflow lorechat');
  expect(turns).toHaveLength(4);
  for (const turn of turns) {
    expect(turn.parentSpanId).toBe('');
    expect(turn.resource['service.name']).toBe('lorechat');
    expect(turn.attributes['gen_ai.conversation.id']).toMatch(/^demo-/);
    const inTrace = spans.filter((s) => s.traceId === turn.traceId);
    const nodes = inTrace.filter((s) => s.name.startsWith('invoke_node '));
    expect(nodes.length).toBeGreaterThanOrEqual(3);
    for (const node of nodes) expect(ancestors(node, byId)).toContain(turn);
    // turn -> node -> retrieval, turn -> node -> chat
    for (const kind of ['retrieval ', 'chat ']) {
      const leaves = inTrace.filter((s) => s.name.startsWith(kind));
      expect(leaves.length, `${kind}spans in turn`).toBeGreaterThan(0);
      for (const leaf of leaves) {
        const up = ancestors(leaf, byId);
        expect(up[0]?.name).toMatch(/^invoke_node /);
        expect(up).toContain(turn);
      }
    }
  }

  const names = r.metricNames();
  for (const required of [
    'chat.response_time',
    'llm.token_usage',
    'vector_store.operations',
    'vector_store.operation.duration',
    'graph.node.duration',
    'chat.memory',
    'lorechat.operations',
    'gen_ai.client.token.usage',
    'gen_ai.client.operation.duration',
  ]) {
    expect(names).toContain(required);
  }
  for (const name of names) {
    const known = catalogueNames.has(name) || externalPrefixes.some((p) => name.startsWith(p));
    expect(known, `metric ${name} is in the catalogue or a runtime/process metric`).toBe(true);
  }
  expect(names.some((n) => n.startsWith('nodejs.') || n.startsWith('v8js.'))).toBe(true);
  expect(names).toContain('process.memory.usage');
  const responseTime = r.latestMetric('chat.response_time');
  expect(responseTime?.kind).toBe('histogram');
  expect(responseTime?.points[0]?.explicitBounds).toEqual([...CHAT_RESPONSE_TIME_BUCKETS]);
  // Four pipeline turns and three agent turns (one failing tool, one approval, its resume).
  expect(responseTime?.points.reduce((n, p) => n + (p.count ?? 0), 0)).toBe(DEMO_TURNS);

  const logs = r.logRecords();
  const eventNames = new Set(logs.map((l) => l.eventName).filter((n) => n !== undefined));
  const catalogue = new Set<string>(EVENTS.map((e) => e.name));
  for (const n of eventNames) expect(catalogue.has(n), `event ${n} in catalogue`).toBe(true);
  for (const n of ['chat.start', 'chat.complete', 'llm.request', 'llm.response', 'vector.search']) {
    expect(eventNames).toContain(n);
  }
  const traceIds = new Set(spans.map((s) => s.traceId));
  const complete = logs.filter((l) => l.eventName === 'chat.complete');
  expect(complete).toHaveLength(DEMO_TURNS);
  for (const l of complete) expect(traceIds.has(l.traceId)).toBe(true);

  // The agent path: three invoke_agent turns; the tools under the agent's `tools` node, the
  // failing one an error; the resumed turn linked to the interrupted one.
  const agents = spans.filter((s) => s.name === 'invoke_agent lore_agent');
  expect(agents).toHaveLength(3);
  for (const a of agents) expect(a.parentSpanId).toBe('');
  const omens = spans.filter((s) => s.name === 'execute_tool read_omens');
  expect(
    omens.some((s) => s.status.code === 2 && s.attributes['error.type'] === 'NoOmenError'),
  ).toBe(true);
  for (const tool of spans.filter((s) => s.name.startsWith('execute_tool ')))
    expect(byId.get(tool.parentSpanId)?.name).toBe('invoke_node tools');
  expect(spans.some((s) => s.name === 'retrieval LoreKeywordRetriever')).toBe(true);
  const interrupted = agents.find((a) => a.attributes['lorechat.turn.interrupted'] === true);
  const resumed = agents.find((a) => a.attributes['lorechat.turn.resumed'] === true);
  expect(resumed?.links.map((l) => l.spanId)).toEqual([interrupted?.spanId]);
  expect(names).toContain('gen_ai.execute_tool.duration');
  expect(names).toContain('gen_ai.invoke_agent.duration');
}

describe('register with the reference app', () => {
  it('ESM build via --import exports the span tree, metrics and events over http/protobuf', async () => {
    const run = await runNode(['--import', './dist/register.js', 'dist/demo/scripted-demo.js'], {
      env: otlpEnv('http/protobuf'),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/lorechat-otel summary/); // summary is off in otlp mode
    await receiver.waitFor((r) => r.spans().length > 0 && r.metrics().length > 0, 10_000);
    expect(new Set(receiver.requests.map((q) => q.contentType))).toEqual(new Set(['protobuf']));
    expectDemoTelemetry(receiver);
  });

  it('CJS build via --require exports the same telemetry over http/json', async () => {
    const run = await runNode(['--require', './dist/register.cjs', 'dist/demo/scripted-demo.cjs'], {
      env: otlpEnv('http/json'),
    });
    expect(run.code, run.stderr).toBe(0);
    await receiver.waitFor((r) => r.spans().length > 0 && r.metrics().length > 0, 10_000);
    expect(new Set(receiver.requests.map((q) => q.contentType))).toEqual(new Set(['json']));
    expectDemoTelemetry(receiver);
  });

  it('standard OTEL_* resource variables override the default service name', async () => {
    const run = await runNode(['--import', './dist/register.js', 'dist/demo/scripted-demo.js'], {
      env: {
        ...otlpEnv('http/protobuf'),
        OTEL_SERVICE_NAME: 'lorechat-staging',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,service.namespace=lore',
        OTEL_METRICS_EXPORTER: 'none',
      },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(receiver.metrics()).toHaveLength(0);
    const resource = receiver.spans()[0]?.resource;
    expect(resource).toMatchObject({
      'service.name': 'lorechat-staging',
      'service.namespace': 'lore',
      'deployment.environment.name': 'staging',
    });
  });

  it('LORECHAT_OTEL_JSON_STDOUT prints the plan events as JSON lines next to OTLP export', async () => {
    const run = await runNode(['--import', './dist/register.js', 'dist/demo/scripted-demo.js'], {
      env: { ...otlpEnv('http/protobuf'), LORECHAT_OTEL_JSON_STDOUT: 'true' },
    });
    expect(run.code, run.stderr).toBe(0);
    const events = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('{"event"'))
      .map((l) => JSON.parse(l) as { event: string; context: Record<string, unknown> });
    expect(events.filter((e) => e.event === 'chat.complete')).toHaveLength(DEMO_TURNS);
    expect(events[0]?.context).toHaveProperty('thread_id');
    expect(events[0]?.context).toHaveProperty('request_id');
    expect(receiver.logRecords().filter((l) => l.eventName === 'chat.complete')).toHaveLength(
      DEMO_TURNS,
    );
  });
});

describe('register with minimal fixtures', () => {
  it.each([
    ['--require', './dist/register.cjs', 'test/fixtures/graph-app.cjs'],
    ['--import', './dist/register.js', 'test/fixtures/graph-app.mjs'],
  ])('%s patches the app: workflow -> nodes -> chat', async (flag, entry, app) => {
    const run = await runNode([flag, entry, app], { env: otlpEnv('http/protobuf') });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('answer: forty-two\n');
    expect(run.stderr).toBe('');
    const spans = receiver.spans();
    const turn = spans.find((s) => s.name === 'invoke_workflow fixture_graph');
    const think = spans.find((s) => s.name === 'invoke_node think');
    const reply = spans.find((s) => s.name === 'invoke_node reply');
    const chat = spans.find((s) => s.name.startsWith('chat '));
    expect(turn && think && reply && chat, spans.map((s) => s.name).join(', ')).toBeTruthy();
    expect(think?.parentSpanId).toBe(turn?.spanId);
    expect(reply?.parentSpanId).toBe(turn?.spanId);
    expect(chat?.parentSpanId).toBe(reply?.spanId);
  });

  it.each([
    ['--require', './dist/register.cjs', 'test/fixtures/functional-app.cjs'],
    ['--import', './dist/register.js', 'test/fixtures/functional-app.mjs'],
  ])(
    '%s traces the functional API: workflow -> entrypoint -> one span per task call',
    async (flag, entry, app) => {
      const run = await runNode([flag, entry, app], { env: otlpEnv('http/protobuf') });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe('result: 19\n');
      const spans = receiver.spans();
      const turn = spans.find((s) => s.name === 'invoke_workflow numbers');
      const main = spans.find((s) => s.name === 'invoke_node numbers');
      expect(turn && main, spans.map((s) => s.name).join(', ')).toBeTruthy();
      expect(main?.parentSpanId).toBe(turn?.spanId);
      const tasks = spans.filter(
        (s) => s.name === 'invoke_node double' || s.name === 'invoke_node addOne',
      );
      expect(tasks.map((s) => s.name).sort()).toEqual([
        'invoke_node addOne',
        'invoke_node double',
        'invoke_node double',
      ]);
      for (const t of tasks) {
        expect(t.parentSpanId).toBe(main?.spanId);
        expect(t.attributes['lorechat.graph.triggers']).toEqual(['__pregel_push']);
      }
      // A task returns a value, not a state update: enter and exit events, no state update.
      const taskSpanIds = new Set(tasks.map((t) => t.spanId));
      const taskEvents = receiver
        .logRecords()
        .filter((l) => taskSpanIds.has(l.spanId))
        .map((l) => l.eventName)
        .sort();
      expect(taskEvents).toEqual([
        ...Array<string>(3).fill('graph.node.enter'),
        ...Array<string>(3).fill('graph.node.exit'),
      ]);
    },
  );

  it('records a failing task on its span and on the turn', async () => {
    const run = await runNode(
      ['--import', './dist/register.js', 'test/fixtures/functional-app.mjs', 'fail'],
      { env: otlpEnv('http/protobuf') },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('error: addOne failed\n');
    const spans = receiver.spans();
    const failed = spans.find((s) => s.name === 'invoke_node addOne');
    expect(failed?.status.code).toBe(2);
    expect(failed?.attributes['error.type']).toBe('RangeError');
    expect(spans.find((s) => s.name === 'invoke_workflow numbers')?.status.code).toBe(2);
  });

  it('without the register entry the same fixture exports nothing', async () => {
    const run = await runNode(['test/fixtures/graph-app.mjs'], { env: otlpEnv('http/protobuf') });
    expect(run.code).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests).toHaveLength(0);
  });
});
