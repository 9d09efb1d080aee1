import {
  DashboardBuilder,
  DashboardCursorSync,
  RowBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
} from '../../../src/semconv.js';
import { label, series } from '../names.js';
import { stat, timeseries } from '../panels.js';

/** LLM calls (GenAI semantic-convention metrics): latency, time to first chunk, tokens, errors. */
export function llmDashboard(): DashboardBuilder {
  const duration = series(METRIC_GEN_AI_CLIENT_OPERATION_DURATION);
  const ttfc = series(METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK);
  const tokens = series(METRIC_GEN_AI_CLIENT_TOKEN_USAGE);
  const provider = label(ATTR_GEN_AI_PROVIDER_NAME);
  const model = label(ATTR_GEN_AI_REQUEST_MODEL);
  const tokenType = label(ATTR_GEN_AI_TOKEN_TYPE);
  const errorType = label(ATTR_ERROR_TYPE);
  const byModel = `${provider}, ${model}`;
  const modelLegend = `{{${provider}}} {{${model}}}`;
  return new DashboardBuilder('LoreChat LLM')
    .uid('lorechat-llm')
    .description(
      'LLM calls by provider and model: latency, time to first chunk, tokens and errors.',
    )
    .tags(['lorechat', 'genai'])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .withPanel(
      stat(
        'Tokens per minute',
        'All LLM tokens; the plan recommends caching above 1000/min.',
        'short',
        {
          expr: 'lorechat:llm_token_usage:rate5m * 60',
        },
        [
          [800, 'orange'],
          [1000, 'red'],
        ],
      ),
    )
    .withRow(new RowBuilder('Latency'))
    .withPanel(
      timeseries('Call duration p95', 'gen_ai.client.operation.duration, 95th percentile.', 's', [
        {
          expr: `histogram_quantile(0.95, sum by (le, ${byModel}) (rate(${duration}_bucket[$__rate_interval])))`,
          legend: modelLegend,
        },
      ]),
    )
    .withPanel(
      timeseries(
        'Time to first chunk p95',
        'Streamed calls: time until the first chunk arrives.',
        's',
        [
          {
            expr: `histogram_quantile(0.95, sum by (le, ${byModel}) (rate(${ttfc}_bucket[$__rate_interval])))`,
            legend: modelLegend,
          },
        ],
      ),
    )
    .withRow(new RowBuilder('Tokens and errors'))
    .withPanel(
      timeseries(
        'Tokens per minute by model and type',
        'gen_ai.client.token.usage summed per minute.',
        'short',
        [
          {
            expr: `sum by (${byModel}, ${tokenType}) (rate(${tokens}_sum[$__rate_interval])) * 60`,
            legend: `${modelLegend} {{${tokenType}}}`,
          },
        ],
      ),
    )
    .withPanel(
      timeseries(
        'Calls and errors by model',
        'LLM calls per second, and failed calls by error type.',
        'ops',
        [
          {
            expr: `sum by (${byModel}) (rate(${duration}_count[$__rate_interval]))`,
            legend: `${modelLegend} calls`,
          },
          {
            expr: `sum by (${byModel}, ${errorType}) (rate(${duration}_count{${errorType}!=""}[$__rate_interval]))`,
            legend: `${modelLegend} {{${errorType}}}`,
          },
        ],
      ),
    );
}
