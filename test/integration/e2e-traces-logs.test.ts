/**
 * Proofs 2 and 3, end to end: what the instrumented app sends through our Collector to the
 * Tempo and Loki endpoints (OTLP recorders standing in for them).
 *
 * The app runs with content capture ON, as a misconfigured deployment might: the Collector's
 * redaction (LORECHAT_COLLECTOR_KEEP_CONTENT unset) must still drop prompts, answers and
 * documents, and mask credentials and e-mail addresses wherever they appear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, SPANS } from '../../src/catalogue/index.js';
import {
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_LORECHAT_REQUEST_ID,
  SPAN_CHAT,
  SPAN_INVOKE_NODE,
  SPAN_RETRIEVAL,
} from '../../src/semconv.js';
import type { ReceivedSpan } from '../helpers/otlp-receiver.js';
import {
  DEPLOYMENT_ENVIRONMENT,
  driveMixedWorkload,
  E2E,
  isWorkflowSpan,
  requestIdOf,
  SERVICE_NAME,
  SERVICE_NAMESPACE,
  sleep,
} from '../e2e/harness.js';

const SECRET_EMAIL = 'tamsin.reed@example.org';
const SECRET_KEY = 'sk-e2eSECRETe2eSECRETe2eSECRET';
const SECRET_THREAD = 'e2e-secret-thread';

let e2e: E2E;
let workflows: ReceivedSpan[];
let completedTurns = 0;

beforeAll(async () => {
  e2e = await E2E.start({
    app: { env: { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' } },
  });
  const secret = await e2e.app.post('/chat', {
    thread_id: SECRET_THREAD,
    message: `Who was Tamsin Reed? Write to ${SECRET_EMAIL}, my key is ${SECRET_KEY}`,
  });
  expect(secret.status).toBe(200);
  const summaries = await driveMixedWorkload(e2e.app, 40);
  // Every turn that reached the graph: 200s and the injected 502s.
  completedTurns = 1 + summaries.reduce((n, s) => n + s.completed, 0);
  await e2e.tempo.waitFor(
    (r) => r.spans().filter(isWorkflowSpan).length >= completedTurns,
    60_000,
    `${completedTurns} workflow spans`,
  );
  await sleep(3_000); // the last node/LLM spans of the last turns
  workflows = e2e.tempo.spans().filter(isWorkflowSpan);
}, 240_000);

afterAll(async () => {
  await e2e?.stop();
});

/** Catalogue span names as patterns; names with a literal first word are tried first. */
const SPAN_PATTERNS: ReadonlyArray<[RegExp, (typeof SPANS)[number]]> = [...SPANS]
  .sort((a, b) => Number(a.name.startsWith('{')) - Number(b.name.startsWith('{')))
  .map((d) => [new RegExp(`^${d.name.replace(/\{[^}]+\}/g, '[^ ]+')}$`), d]);

function children(spans: readonly ReceivedSpan[], parent: ReceivedSpan): ReceivedSpan[] {
  return spans.filter((s) => s.traceId === parent.traceId && s.parentSpanId === parent.spanId);
}

describe('traces at the Tempo endpoint', () => {
  it('has one workflow span per chat turn, each with its request id', () => {
    expect(workflows.length).toBe(completedTurns);
    const ids = new Set(workflows.map(requestIdOf));
    expect(ids.has(undefined)).toBe(false);
    expect(ids.size).toBe(completedTurns);
  });

  it('builds complete trees: workflow -> nodes -> retrieval and LLM spans', () => {
    const spans = e2e.tempo.spans();
    const problems: string[] = [];
    const ok = workflows.filter((w) => w.status.code !== 2);
    expect(ok.length).toBeGreaterThan(completedTurns / 2);
    for (const w of ok) {
      const nodes = children(spans, w);
      const nodeNames = new Set(nodes.map((n) => n.name));
      for (const n of ['decompose', 'process', 'combine', 'respond']) {
        if (!nodeNames.has(`${SPAN_INVOKE_NODE} ${n}`))
          problems.push(`${requestIdOf(w)}: no node ${n}`);
      }
      if (nodes.some((n) => !n.name.startsWith(`${SPAN_INVOKE_NODE} `))) {
        problems.push(
          `${requestIdOf(w)}: non-node child of the workflow: ${nodes.map((n) => n.name).join(', ')}`,
        );
      }
      const below = nodes.flatMap((n) => children(spans, n));
      if (!below.some((s) => s.name.startsWith(`${SPAN_RETRIEVAL} `)))
        problems.push(`${requestIdOf(w)}: no retrieval under a node`);
      if (!below.some((s) => s.name.startsWith(`${SPAN_CHAT} `)))
        problems.push(`${requestIdOf(w)}: no LLM span under a node`);
      for (const s of [...nodes, ...below]) {
        if (s.resource['service.name'] !== SERVICE_NAME)
          problems.push(`${s.name}: resource ${JSON.stringify(s.resource)}`);
      }
    }
    expect(problems).toEqual([]);
    // A failing turn keeps its tree too, marked as an error at the workflow.
    const failed = workflows.filter((w) => w.status.code === 2);
    expect(failed.length).toBeGreaterThan(0);
    for (const w of failed) expect(children(spans, w).length, requestIdOf(w)).toBeGreaterThan(0);
  });

  it('carries the documented attributes only (catalogue), with ids on every workflow and node span', () => {
    const spans = e2e.tempo.spans();
    const problems: string[] = [];
    for (const s of spans) {
      const def = SPAN_PATTERNS.find(([pattern]) => pattern.test(s.name))?.[1];
      if (!def) {
        problems.push(`span ${s.name} is not in the catalogue`);
        continue;
      }
      const allowed = new Set<string>(def.attributes);
      const extra = Object.keys(s.attributes).filter((k) => !allowed.has(k));
      if (extra.length > 0)
        problems.push(`${s.name}: undocumented or unredacted attributes ${extra.join(', ')}`);
    }
    for (const s of spans.filter(
      (x) => isWorkflowSpan(x) || x.name.startsWith(`${SPAN_INVOKE_NODE} `),
    )) {
      if (typeof s.attributes[ATTR_LORECHAT_REQUEST_ID] !== 'string')
        problems.push(`${s.name}: no request id`);
      if (typeof s.attributes[ATTR_GEN_AI_CONVERSATION_ID] !== 'string')
        problems.push(`${s.name}: no conversation id`);
    }
    const llm = spans.find((s) => s.name.startsWith(`${SPAN_CHAT} `) && s.status.code !== 2);
    expect(llm?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'lorechat-offline',
      'gen_ai.request.model': 'lorechat-offline-1',
    });
    expect(llm?.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect([...new Set(problems)]).toEqual([]);
  });

  it('redacts sensitive data: captured content is dropped, credentials and e-mails masked', () => {
    const secretTurn = workflows.find(
      (w) => w.attributes[ATTR_GEN_AI_CONVERSATION_ID] === SECRET_THREAD,
    );
    expect(secretTurn, 'the turn with sensitive input arrived').toBeDefined();
    const everything = JSON.stringify(
      [e2e.tempo.spans(), e2e.loki.logRecords()],
      (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v),
    );
    expect(everything).not.toContain(SECRET_EMAIL);
    expect(everything).not.toContain(SECRET_KEY);
    for (const key of [
      'gen_ai.input.messages',
      'gen_ai.output.messages',
      'gen_ai.retrieval.query.text',
      'gen_ai.retrieval.documents',
    ]) {
      expect(everything, key).not.toContain(`"${key}"`);
    }
  });
});

describe('span metrics from the Collector', () => {
  it('Prometheus has span-derived RED metrics for the workflow, nodes and LLM calls', async () => {
    const calls = await e2e.stack.waitForQuery(
      `sum by (span_name) (traces_span_metrics_calls_total{service_name="${SERVICE_NAME}"})`,
      { timeoutMs: 60_000, accept: (r) => r.length >= 4 },
    );
    const names = calls.map((s) => s.metric.span_name);
    expect(names).toEqual(
      expect.arrayContaining([
        'invoke_workflow lorechat',
        'invoke_node process',
        'retrieval lore-memory',
        'chat lorechat-offline-1',
      ]),
    );
    const durations = await e2e.stack.waitForQuery(
      `sum by (lorechat_graph_node) (traces_span_metrics_duration_seconds_count{lorechat_graph_node!=""})`,
      { timeoutMs: 60_000 },
    );
    expect(durations.map((s) => s.metric.lorechat_graph_node)).toEqual(
      expect.arrayContaining(['decompose', 'respond']),
    );
  });
});

describe('logs at the Loki endpoint', () => {
  it('has every event type of the plan', () => {
    const seen = new Set(e2e.loki.logRecords().map((r) => r.eventName));
    expect(EVENTS.map((e) => e.name).filter((n) => !seen.has(n))).toEqual([]);
  });

  it('correlates every record with a trace and span; turn events with their workflow trace', () => {
    const records = e2e.loki.logRecords();
    const uncorrelated = records.filter(
      (r) => !/^[0-9a-f]{32}$/.test(r.traceId) || !/^[0-9a-f]{16}$/.test(r.spanId),
    );
    expect(uncorrelated.map((r) => r.eventName)).toEqual([]);
    // Turns are graph runs (workflow spans) and, on the agent path, agent runs.
    const agentTurns = e2e.tempo
      .spans()
      .filter((s) => s.name.startsWith('invoke_agent ') && s.parentSpanId === '');
    const traceOf = new Map([...workflows, ...agentTurns].map((w) => [requestIdOf(w), w.traceId]));
    const mismatched = records.filter((r) => {
      const id = requestIdOf(r);
      return id !== undefined && traceOf.get(id) !== r.traceId;
    });
    expect(mismatched.length).toBe(0);
    // Every turn has its start and complete events.
    for (const w of workflows) {
      const mine = records.filter((r) => requestIdOf(r) === requestIdOf(w)).map((r) => r.eventName);
      expect(mine, requestIdOf(w)).toEqual(expect.arrayContaining(['chat.start', 'chat.complete']));
    }
  });

  it('carries the resource attributes that become Loki labels, and no thread or request id among them', () => {
    const records = e2e.loki.logRecords();
    expect(records.length).toBeGreaterThan(0);
    const requestIds = new Set(records.map(requestIdOf).filter((x) => x !== undefined));
    const threadIds = new Set(
      records
        .map((r) => r.attributes[ATTR_GEN_AI_CONVERSATION_ID])
        .filter((x) => typeof x === 'string'),
    );
    expect(requestIds.size).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const r of records) {
      const res = r.resource;
      if (
        res['service.name'] !== SERVICE_NAME ||
        res['service.namespace'] !== SERVICE_NAMESPACE ||
        res['deployment.environment.name'] !== DEPLOYMENT_ENVIRONMENT
      ) {
        problems.push(`${r.eventName}: label attributes ${JSON.stringify(res)}`);
      }
      for (const [k, v] of Object.entries(res)) {
        if (
          /thread|request|conversation/i.test(k) ||
          requestIds.has(v as string) ||
          threadIds.has(v as string)
        ) {
          problems.push(`${r.eventName}: resource attribute ${k}=${String(v)}`);
        }
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });
});
