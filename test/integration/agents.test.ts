/**
 * An agent app written as a user would (test/fixtures/agents/agent-app.{cjs,mjs}: a ReAct
 * agent with two tools, one failing; a custom retriever inside a tool; a custom embeddings
 * class; a direct tool call; an interrupted-then-resumed graph; a consumer that breaks out of
 * a stream) runs unmodified under `--require ./dist/register.cjs` and
 * `--import ./dist/register.js`, exporting OTLP to a real HTTP receiver. Its output, the
 * user callback handler's counts included, is identical without the instrumentation.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { METRICS } from '../../src/catalogue/index.js';
import { eventSchemaProblems } from '../helpers/event-schema.js';
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

const CASES = [
  ['--require', './dist/register.cjs', 'test/fixtures/agents/agent-app.cjs'],
  ['--import', './dist/register.js', 'test/fixtures/agents/agent-app.mjs'],
] as const;

function named(spans: readonly ReceivedSpan[], name: string): ReceivedSpan[] {
  return spans.filter((s) => s.name === name);
}

describe.each(CASES)('agent app under %s', (flag, entry, app) => {
  it('keeps the output and the user callback events identical, and traces agents, tools, retrievers, embeddings and interrupts', async () => {
    const plain = await runNode([app]);
    expect(plain.code, plain.stderr).toBe(0);
    const run = await runNode([flag, entry, app], {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(plain.stdout);
    expect(run.stdout).toMatch(/callbacks: .*"toolError",1/);
    await receiver.waitFor(
      (r) =>
        r.spans().some((s) => s.name === 'invoke_workflow approvals' && s.links.length > 0) &&
        r.metricNames().includes('gen_ai.execute_tool.duration'),
      15_000,
    );
    const spans = receiver.spans();
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parent = (s: ReceivedSpan | undefined) => (s ? byId.get(s.parentSpanId) : undefined);

    // The agent is the turn: invoke_agent at the root, with its model and tool call counts.
    const agents = named(spans, 'invoke_agent lore_agent');
    expect(agents).toHaveLength(2);
    const full = agents.find((a) => a.attributes['lorechat.agent.inference_calls'] === 2);
    expect(full, JSON.stringify(agents.map((a) => a.attributes))).toBeDefined();
    expect(full?.parentSpanId).toBe('');
    expect(full?.attributes['gen_ai.operation.name']).toBe('invoke_agent');
    expect(full?.attributes['gen_ai.agent.name']).toBe('lore_agent');
    expect(full?.attributes['lorechat.agent.tool_calls']).toBe(2);
    expect(full?.attributes['lorechat.request_id']).toEqual(expect.any(String));
    expect(full?.status.code).toBe(0); // ToolNode handled the failing tool

    // Tool spans under the `tools` node of the agent's trace, the failing one an error.
    const inAgent = spans.filter((s) => s.traceId === full?.traceId);
    const storm = inAgent.find((s) => s.name === 'execute_tool storm_forecast');
    const lookup = inAgent.find((s) => s.name === 'execute_tool lookup_lore');
    for (const t of [storm, lookup]) {
      expect(parent(t)?.name).toBe('invoke_node tools');
      expect(parent(parent(t))).toBe(full);
      expect(t?.attributes['gen_ai.operation.name']).toBe('execute_tool');
      expect(t?.attributes['gen_ai.tool.type']).toBe('function');
      expect(t?.attributes['gen_ai.tool.description']).toEqual(expect.any(String));
      expect(t?.attributes['gen_ai.tool.call.arguments']).toBeUndefined(); // content capture off
    }
    expect(storm?.attributes['gen_ai.tool.call.id']).toBe('call_weather_1');
    expect(storm?.status.code).toBe(2);
    expect(storm?.attributes['error.type']).toBe('Error');
    expect(storm?.status.message).toBe('forecast service unavailable');
    expect(lookup?.attributes['gen_ai.tool.call.id']).toBe('call_lookup_1');
    expect(lookup?.status.code).toBe(0);

    // The custom retriever runs inside the tool; the chat spans under the agent node.
    const retrieval = inAgent.find((s) => s.name === 'retrieval ArchiveRetriever');
    expect(parent(retrieval)).toBe(lookup);
    expect(retrieval?.kind).toBe(3);
    expect(retrieval?.attributes['lorechat.retrieval.result_count']).toBe(2);
    const chats = inAgent.filter((s) => s.name === 'chat scripted-tools');
    expect(chats).toHaveLength(2);
    for (const c of chats) expect(parent(c)?.name).toBe('invoke_node agent');

    // A direct tool call is a root execute_tool span with its retrieval under it.
    const direct = named(spans, 'execute_tool lookup_lore').find((s) => s.parentSpanId === '');
    expect(direct).toBeDefined();
    expect(direct?.attributes['gen_ai.tool.call.id']).toBeUndefined();
    expect(spans.some((s) => s.name === 'retrieval ArchiveRetriever' && parent(s) === direct)).toBe(
      true,
    );

    // Embeddings: embedDocuments (built on embedQuery: one span) and embedQuery.
    const embeddings = named(spans, 'embeddings letters-8');
    expect(embeddings).toHaveLength(2);
    for (const e of embeddings) {
      expect(e.kind).toBe(3);
      expect(e.attributes['gen_ai.operation.name']).toBe('embeddings');
      expect(e.attributes['gen_ai.embeddings.dimension.count']).toBe(8);
      expect(e.attributes['lorechat.embeddings.input_count']).toBe(1);
    }

    // Interrupt then resume: not errors; the resumed turn links to the interrupted one.
    const approvals = named(spans, 'invoke_workflow approvals');
    expect(approvals).toHaveLength(2);
    const interrupted = approvals.find((s) => s.attributes['lorechat.turn.interrupted'] === true);
    const resumed = approvals.find((s) => s.attributes['lorechat.turn.resumed'] === true);
    expect(interrupted?.status.code).toBe(0);
    expect(resumed?.status.code).toBe(0);
    expect(resumed?.links).toEqual([
      {
        traceId: interrupted?.traceId,
        spanId: interrupted?.spanId,
        attributes: { 'lorechat.link.type': 'resume' },
      },
    ]);
    const completes = receiver.logRecords().filter((l) => l.eventName === 'chat.complete');
    const statusOf = (span: ReceivedSpan | undefined) =>
      (completes.find((l) => l.spanId === span?.spanId)?.body as { status?: string } | undefined)
        ?.status;
    expect(statusOf(interrupted)).toBe('interrupted');
    expect(statusOf(resumed)).toBe('success');

    // Every event record matches its catalogue definition (attributes and body).
    const records = receiver.logRecords();
    expect(records.length).toBeGreaterThan(20);
    expect(records.flatMap((l) => eventSchemaProblems(l.eventName, l.attributes, l.body))).toEqual(
      [],
    );

    // The consumer that broke out of the stream: a cancelled turn, no error anywhere in it.
    const cancelled = agents.find((a) => a !== full);
    expect(cancelled?.status.code).toBe(0);
    expect(statusOf(cancelled)).toBe('cancelled');

    // Metrics: the tool and agent histograms, bounded attributes only, errors by component.
    const toolMetric = receiver.latestMetric('gen_ai.execute_tool.duration');
    const def = METRICS.find((m) => m.name === 'gen_ai.execute_tool.duration');
    for (const p of toolMetric?.points ?? []) {
      for (const key of Object.keys(p.attributes)) expect(def?.attributes).toContain(key);
    }
    // The stream the consumer abandoned may or may not have reached its tools: the metrics
    // must agree with the spans whatever happened.
    const failedToolSpans = spans.filter(
      (s) => s.name === 'execute_tool storm_forecast' && s.status.code === 2,
    );
    expect(failedToolSpans.length).toBeGreaterThanOrEqual(1);
    const failedTool = toolMetric?.points.find(
      (p) => p.attributes['gen_ai.tool.name'] === 'storm_forecast' && p.attributes['error.type'],
    );
    expect(failedTool?.attributes['error.type']).toBe('Error');
    expect(failedTool?.count).toBe(failedToolSpans.length);
    const agentMetric = receiver.latestMetric('gen_ai.invoke_agent.duration');
    expect(agentMetric?.points.reduce((n, p) => n + (p.count ?? 0), 0)).toBe(2);
    const errors = receiver.latestMetric('lorechat.errors');
    const toolErrorSpans = spans.filter(
      (s) => s.name.startsWith('execute_tool ') && s.status.code === 2,
    );
    expect(
      errors?.points.find((p) => p.attributes.component === 'tool')?.value,
      errors?.points.map((p) => JSON.stringify([p.attributes, p.value])).join(' '),
    ).toBe(toolErrorSpans.length);
  });
});

describe.each([
  ['--require', './dist/register.cjs', 'test/fixtures/agents/create-agent-app.cjs'],
  ['--import', './dist/register.js', 'test/fixtures/agents/create-agent-app.mjs'],
] as const)('LangChain createAgent under %s', (flag, entry, app) => {
  it('is an invoke_agent turn with its tool calls, the failing one an error, output unchanged', async () => {
    const plain = await runNode([app]);
    expect(plain.code, plain.stderr).toBe(0);
    const run = await runNode([flag, entry, app], {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(plain.stdout);
    await receiver.waitFor((r) => r.spans().some((s) => s.name === 'execute_tool boom'), 15_000);
    const spans = receiver.spans();
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const agent = spans.find((s) => s.name === 'invoke_agent helper_agent');
    expect(agent?.parentSpanId).toBe('');
    expect(agent?.attributes['lorechat.agent.tool_calls']).toBe(2);
    expect(agent?.attributes['lorechat.agent.inference_calls']).toBe(2);
    const boom = spans.find((s) => s.name === 'execute_tool boom');
    const ping = spans.find((s) => s.name === 'execute_tool ping');
    expect(boom?.status.code).toBe(2);
    expect(ping?.status.code).toBe(0);
    for (const t of [boom, ping]) {
      expect(byId.get(t?.parentSpanId ?? '')?.name).toBe('invoke_node tools');
      expect(t?.traceId).toBe(agent?.traceId);
    }
  });
});
