import { RowBuilder, type DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { GEN_AI_TOKEN_USAGE_SUCCESSORS, type MetricName } from '../../../src/catalogue/index.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  GEN_AI_OPERATION_CHAT,
  GEN_AI_OPERATION_EXECUTE_TOOL,
  GEN_AI_OPERATION_INVOKE_AGENT,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_EXECUTE_TOOL_DURATION,
  METRIC_GEN_AI_INVOKE_AGENT_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  METRIC_LLM_TOKEN_USAGE,
  METRIC_ATTR_MODEL,
} from '../../../src/semconv.js';
import costConfig from '../../../prometheus/prices/cost-config.json' with { type: 'json' };
import { logs, traces } from '../links.js';
import { generations, label, series } from '../names.js';
import { perMinute, perSecond, stat, timeseries, type AnyPanel } from '../panels.js';
import { perMinuteRate, quantile, rate, spanP95, suffixed } from '../queries.js';

import { lorechatDashboard, sel, SERVICE_LABEL } from '../scope.js';

/**
 * One kind of GenAI operation (model calls; tool calls and agent invocations next): a row with
 * its latency (p95 with span exemplars) and its calls and errors per second, each linked to the
 * matching traces and error events.
 */
export interface GenAiOperation {
  /** Row title, plural: "Model calls", "Tool calls". */
  title: string;
  /**
   * The operation's duration histogram in the catalogue (unit s, with `error.type`); two when the
   * GenAI conventions' generations name it differently (names.ts `generations`), read as either.
   */
  duration: readonly MetricName[];
  /** `gen_ai.operation.name` of its spans (a span-metrics dimension). */
  operation: string;
  /** Attributes of the duration metric to split by; also span attributes, so links can filter on them. */
  by: string[];
  /** Span-metrics label to split the exemplar series by (span metrics keep few dimensions). */
  spanBy: string;
  /** `component` of its error events in the logs (operations without events have none). */
  component?: string;
}

const MODEL_CALLS: GenAiOperation = {
  title: 'Model calls',
  duration: generations(METRIC_GEN_AI_CLIENT_OPERATION_DURATION),
  operation: GEN_AI_OPERATION_CHAT,
  by: [ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_REQUEST_MODEL],
  spanBy: label(ATTR_GEN_AI_REQUEST_MODEL),
  component: 'llm',
};

/**
 * Tool executions: by tool name (a bounded set the application defines). The span-metrics
 * dimensions do not include the tool name, so the exemplars split by span name
 * (`execute_tool {tool}`). Tools emit no plan events: failures are in the traces only.
 */
const TOOL_CALLS: GenAiOperation = {
  title: 'Tool calls',
  duration: [METRIC_GEN_AI_EXECUTE_TOOL_DURATION],
  operation: GEN_AI_OPERATION_EXECUTE_TOOL,
  by: [ATTR_GEN_AI_TOOL_NAME],
  spanBy: 'span_name',
};

/** Prebuilt agent runs, by agent name; a top-level agent run is also a chat turn. */
const AGENT_RUNS: GenAiOperation = {
  title: 'Agent runs',
  duration: [METRIC_GEN_AI_INVOKE_AGENT_DURATION],
  operation: GEN_AI_OPERATION_INVOKE_AGENT,
  by: [ATTR_GEN_AI_AGENT_NAME],
  spanBy: 'span_name',
  component: 'chat',
};

/**
 * Rows in dashboard order. A new kind of operation is one more entry; the tests then check
 * its queries against the catalogue, its scoping, exemplars and links.
 */
export const GENAI_OPERATIONS: GenAiOperation[] = [MODEL_CALLS, TOOL_CALLS, AGENT_RUNS];

const legendOf = (attrs: string[]): string => attrs.map((a) => `{{${label(a)}}}`).join(' ');

/** The panels of one operation's row. */
export function operationPanels(op: GenAiOperation): AnyPanel[] {
  const duration = op.duration.map(series);
  const durationNames = op.duration.join(' or ');
  const by = op.by.map(label);
  const errorType = label(ATTR_ERROR_TYPE);
  const spanOperation = `${label(ATTR_GEN_AI_OPERATION_NAME)}="${op.operation}"`;
  // The clicked series' own attribute values, e.g. span.gen_ai.request.model = "gpt-4o".
  const clicked = op.by.map((a) => `span.${a} = "\${__field.labels.${label(a)}}"`).join(' && ');
  const opSpans = `span.${ATTR_GEN_AI_OPERATION_NAME} = "${op.operation}" && ${clicked}`;
  const what = op.title.toLowerCase();
  return [
    timeseries({
      title: `${op.title}: duration p95`,
      description: `${durationNames}, 95th percentile; the dots are ${op.operation} spans (Collector span metrics), each opens its trace.`,
      unit: 's',
      queries: [
        quantile({ histogram: duration, q: 0.95, by, legend: legendOf(op.by) }),
        spanP95({
          matchers: spanOperation,
          by: [op.spanBy],
          legend: `{{${op.spanBy}}} spans (dots: traces)`,
        }),
      ],
      links: [traces(`Slowest ${what} of this series`, `${opSpans} && duration > 1s`)],
    }),
    timeseries({
      title: `${op.title} and errors per second`,
      description: `${op.title} per second, and the failed ones by error.type.`,
      unit: 'ops',
      queries: [
        { expr: rate(suffixed(duration, '_count'), { by }), legend: `${legendOf(op.by)} calls` },
        {
          expr: rate(suffixed(duration, '_count'), {
            matchers: `${errorType}!=""`,
            by: [...by, errorType],
          }),
          legend: `${legendOf(op.by)} {{${errorType}}}`,
        },
      ],
      links: [
        traces(`Failed ${what} of this series`, `${opSpans} && status = error`),
        ...(op.component === undefined
          ? []
          : [
              logs(
                `${op.title}: error events`,
                `| json | context_component = "${op.component}" | context_error_type != ""`,
              ),
            ]),
      ],
    }),
  ];
}

function withOperationRow(d: DashboardBuilder, op: GenAiOperation): DashboardBuilder {
  d.withRow(new RowBuilder(op.title));
  for (const p of operationPanels(op)) d.withPanel(p);
  return d;
}

/**
 * Recorded by the generated cost rules (prometheus/rules/lorechat-cost.yml), by job, service,
 * environment and model.
 */
const COST_5M = 'lorechat:llm_cost_usd:rate5m';
const COST_1D = 'lorechat:llm_cost_usd:rate1d';
const UNPRICED_5M = 'lorechat:llm_unpriced_tokens:rate5m';
/** The daily budget the LoreChatLLMDailySpendOverBudget alert is generated with. */
const BUDGET_USD = costConfig.dailyBudgetUsd;

/**
 * LLM calls (GenAI semantic-convention metrics): latency, time to first chunk, tokens, errors,
 * and spend. Every query reads both generations of the conventions (names.ts `generations`),
 * so the panels have data with and without OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental.
 */
export function llmDashboard() {
  const ttfc = generations(METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK).map(series);
  const modelBy = MODEL_CALLS.by.map(label);
  const modelLegend = legendOf(MODEL_CALLS.by);
  const tokenType = label(ATTR_GEN_AI_TOKEN_TYPE);
  const d = lorechatDashboard({
    uid: 'lorechat-llm',
    title: 'LoreChat LLM',
    description:
      'GenAI operations: model calls by provider and model (latency, time to first chunk, tokens, errors), tool calls by tool, agent runs by agent, and LLM spend. Works with the v1.41 and the latest GenAI semantic conventions.',
    tags: ['genai'],
  }).withPanel(
    stat({
      title: 'Tokens per minute (5m)',
      description:
        'All LLM tokens per minute over the last 5 minutes; the plan recommends caching above 1000/min (the LoreChatTokenUsageHigh alert).',
      unit: perMinute('tokens'),
      query: {
        expr: perMinuteRate(series(METRIC_LLM_TOKEN_USAGE), { range: '5m' }),
        legend: 'tokens/min',
      },
      steps: [
        [800, 'orange'],
        [1000, 'red'],
      ],
    }),
  );
  for (const op of GENAI_OPERATIONS) withOperationRow(d, op);
  return d
    .withRow(new RowBuilder('Streaming and tokens'))
    .withPanel(
      timeseries({
        title: 'Time to first chunk p95',
        description:
          'Streamed model calls: 95th percentile time until the first chunk arrives. The dots are model-call spans (whole-call duration, Collector span metrics); their traces carry gen_ai.response.time_to_first_chunk.',
        unit: 's',
        queries: [
          quantile({ histogram: ttfc, q: 0.95, by: modelBy, legend: modelLegend }),
          spanP95({
            matchers: `${label(ATTR_GEN_AI_OPERATION_NAME)}="${GEN_AI_OPERATION_CHAT}"`,
            by: [MODEL_CALLS.spanBy],
            legend: `{{${MODEL_CALLS.spanBy}}} call spans (dots: traces)`,
          }),
        ],
        links: [
          traces(
            'Calls of this model with a first chunk after 1 s',
            `span.${ATTR_GEN_AI_REQUEST_MODEL} = "\${__field.labels.${label(ATTR_GEN_AI_REQUEST_MODEL)}}" && span.${ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK} > 1`,
          ),
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Tokens per minute by model and type',
        description:
          'Tokens per minute by model and token type: gen_ai.client.token.usage (v1.41) or the gen_ai.client.inference.usage.input_tokens / output_tokens counters (latest).',
        unit: perMinute('tokens'),
        queries: [
          {
            expr: `60 * ${tokensByType([...modelBy, tokenType])}`,
            legend: `${modelLegend} {{${tokenType}}}`,
          },
        ],
      }),
    )
    .withRow(new RowBuilder('Cost'))
    .withPanel(
      timeseries({
        title: 'Spend per hour by service and model',
        description: `USD per hour (5 min average) from ${COST_5M}: token counters times the price table (prometheus/prices, generated rules in lorechat-cost.yml). Models without a price have no cost series: they are in "Tokens without a price", never counted as 0 USD.`,
        unit: 'currencyUSD',
        queries: [
          {
            expr: `3600 * sum by (${SERVICE_LABEL}, ${METRIC_ATTR_MODEL}) (${sel(COST_5M)})`,
            legend: `{{${SERVICE_LABEL}}} {{${METRIC_ATTR_MODEL}}}`,
          },
        ],
      }),
    )
    .withPanel(
      stat({
        title: 'Spend over the last 24 hours',
        description: `USD over the last 24 h (${COST_1D} x 86400) of the selected services, against the configured daily budget of ${BUDGET_USD} USD (cost-config.json; orange from 80 %). With all services selected this is what LoreChatLLMDailySpendOverBudget compares. Priced models only: see "Tokens without a price".`,
        unit: 'currencyUSD',
        query: { expr: `86400 * sum(${sel(COST_1D)})`, legend: 'last 24 h' },
        steps: [
          [0.8 * BUDGET_USD, 'orange'],
          [BUDGET_USD, 'red'],
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Tokens without a price, by service and model',
        description: `Tokens per second (5 min average, ${UNPRICED_5M}) of models that have no entry in the price table: their spend is unknown, not 0 USD (LoreChatLLMModelUnpriced). Price them in cost-config.json or with your own prices (docs/semconv-migration.md).`,
        unit: perSecond('tokens'),
        queries: [
          {
            expr: `sum by (${SERVICE_LABEL}, ${METRIC_ATTR_MODEL}) (${sel(UNPRICED_5M)})`,
            legend: `{{${SERVICE_LABEL}}} {{${METRIC_ATTR_MODEL}}} (unpriced)`,
          },
        ],
      }),
    );
}

/**
 * Tokens per second by `by` (labels of the v1.41 histogram, `gen_ai_token_type` included) in
 * either mode: the v1.41 histogram's `_sum`, or the latest usage counters, each given the
 * `gen_ai_token_type` value it counts (GEN_AI_TOKEN_USAGE_SUCCESSORS) with `label_replace`.
 */
function tokensByType(by: string[]): string {
  const range = '$__rate_interval';
  const tokenType = label(ATTR_GEN_AI_TOKEN_TYPE);
  const v141 = `rate(${sel(`${series(METRIC_GEN_AI_CLIENT_TOKEN_USAGE)}_sum`)}[${range}])`;
  const latest = GEN_AI_TOKEN_USAGE_SUCCESSORS.map(
    (c) =>
      `label_replace(rate(${sel(series(c.latest))}[${range}]), "${tokenType}", "${c.type}", "", "")`,
  );
  return `sum by (${by.join(', ')}) (${[v141, ...latest].join(' or ')})`;
}
