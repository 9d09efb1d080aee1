/**
 * Redaction of every free-text field by our Collector (otel-collector-config.yaml: the contrib
 * redaction processor plus transform/redact for what it does not reach), through the real
 * binary: an API key, a bearer token, an AWS key id and an e-mail address are placed in every
 * field that carries free text -- resource, scope, span and span-event attributes (the
 * exception event's exception.message and exception.stacktrace), the span status message, log
 * attributes, string log bodies and fields nested at any depth in map and list log bodies --
 * and what the Tempo and Loki stand-ins receive must hold none of them, with the text around
 * each secret intact. The scale-out agent runs the same processors (collector/agent.yaml
 * replaces only exporters; test/unit/pipeline/collector-config.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../e2e/harness.js';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { startStack, type Stack } from '../helpers/stack.js';

const API_KEY = 'sk-proj-REDACTIONtest0123456789abcdef';
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.REDACTIONtest.c2lnbmF0dXJl';
const AWS_KEY = 'AKIAREDACTIONTEST123';
const EMAIL = 'ada.lovelace+redaction@example.org';
const SECRETS = [API_KEY, BEARER, AWS_KEY, EMAIL, 'REDACTIONtest'];
/** Free text quoting every secret, as a provider error message would. */
const quoting = (where: string): string =>
  `${where}: 401 for ${EMAIL} with key ${API_KEY} (Authorization: Bearer ${BEARER}; aws ${AWS_KEY})`;
const MASKED = (where: string): string =>
  `${where}: 401 for **** with key **** (Authorization: ****; aws ****)`;

const str = (value: string) => ({ stringValue: value });
const kv = (key: string, value: string) => ({ key, value: str(value) });
const TRACE_ID = '5b8efff798038103d269b633813fc60c';

let stack: Stack | undefined;
let tempo = OtlpReceiver.offline();
let loki = OtlpReceiver.offline();

beforeAll(async () => {
  tempo = await OtlpReceiver.start();
  loki = await OtlpReceiver.start();
  stack = await startStack({
    collector: true,
    tracesEndpoint: tempo.url,
    logsEndpoint: `${loki.url}/otlp`,
  });
  const resource = {
    attributes: [kv('service.name', 'redaction-test'), kv('lorechat.note', quoting('resource'))],
  };
  const scope = { name: 'redaction-test', attributes: [kv('scope.note', quoting('scope'))] };
  const traces = {
    resourceSpans: [
      {
        resource,
        scopeSpans: [
          {
            scope,
            spans: [
              {
                traceId: TRACE_ID,
                spanId: '051581bf3cb55c13',
                name: 'chat redaction-model',
                kind: 3,
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000001000000000',
                attributes: [kv('error.message', quoting('span attribute'))],
                events: [
                  {
                    name: 'exception',
                    timeUnixNano: '1700000000500000000',
                    attributes: [
                      kv('exception.type', 'ProviderError'),
                      kv('exception.message', quoting('exception.message')),
                      kv(
                        'exception.stacktrace',
                        `ProviderError: ${quoting('exception.stacktrace')}\n    at call (provider.js:1:1)`,
                      ),
                    ],
                  },
                ],
                status: { code: 2, message: quoting('status message') },
              },
            ],
          },
        ],
      },
    ],
  };
  const nested = {
    kvlistValue: {
      values: [
        { key: 'event', value: str('chat.complete') },
        {
          key: 'context',
          value: {
            kvlistValue: {
              values: [
                {
                  key: 'error',
                  value: {
                    kvlistValue: {
                      values: [
                        { key: 'type', value: str('ProviderError') },
                        { key: 'message', value: str(quoting('nested body field')) },
                      ],
                    },
                  },
                },
                {
                  key: 'attempts',
                  value: { arrayValue: { values: [str(quoting('body list item'))] } },
                },
              ],
            },
          },
        },
      ],
    },
  };
  const logs = {
    resourceLogs: [
      {
        resource,
        scopeLogs: [
          {
            scope,
            logRecords: [
              {
                timeUnixNano: '1700000000600000000',
                severityNumber: 17,
                body: str(quoting('string body')),
                attributes: [kv('error.message', quoting('log attribute'))],
                traceId: TRACE_ID,
              },
              {
                timeUnixNano: '1700000000700000000',
                severityNumber: 17,
                eventName: 'chat.complete',
                body: nested,
                traceId: TRACE_ID,
              },
            ],
          },
        ],
      },
    ],
  };
  for (const [path, body] of [
    ['/v1/traces', traces],
    ['/v1/logs', logs],
  ] as const) {
    const response = await fetch(`${stack.collector!.otlpHttp}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status, `${path}: ${await response.text()}`).toBe(200);
  }
  await eventually(
    () =>
      tempo.spans().length >= 1 && loki.logRecords().length >= 2
        ? undefined
        : `spans ${tempo.spans().length}/1, log records ${loki.logRecords().length}/2`,
    30_000,
  );
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  await tempo.close();
  await loki.close();
});

const dump = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));

describe('Collector redaction of every free-text field (real Collector, shipped config)', () => {
  it('no secret reaches the trace or log backend', () => {
    const everything = dump([tempo.spans(), loki.logRecords()]);
    for (const secret of SECRETS) expect(everything, secret).not.toContain(secret);
  });

  it('masks span, span-event (exception), resource and scope attributes and the status message', () => {
    const [span] = tempo.spans();
    expect(span?.attributes['error.message']).toBe(MASKED('span attribute'));
    expect(span?.status.message).toBe(MASKED('status message'));
    const exception = span?.events.find((e) => e.name === 'exception');
    expect(exception?.attributes['exception.message']).toBe(MASKED('exception.message'));
    expect(exception?.attributes['exception.stacktrace']).toBe(
      `ProviderError: ${MASKED('exception.stacktrace')}\n    at call (provider.js:1:1)`,
    );
    expect(exception?.attributes['exception.type']).toBe('ProviderError');
    expect(span?.resource['lorechat.note']).toBe(MASKED('resource'));
    expect(span?.resource['service.name']).toBe('redaction-test');
    // Nothing is added to the data (summary: silent).
    expect(Object.keys(span?.attributes ?? {}).filter((k) => k.startsWith('redaction'))).toEqual(
      [],
    );
  });

  it('masks log attributes, string bodies and fields nested in map and list bodies', () => {
    const records = loki.logRecords();
    const plain = records.find((r) => typeof r.body === 'string');
    expect(plain?.body).toBe(MASKED('string body'));
    expect(plain?.attributes['error.message']).toBe(MASKED('log attribute'));
    const event = records.find((r) => r.eventName === 'chat.complete');
    expect(event?.body).toEqual({
      event: 'chat.complete',
      context: {
        error: { type: 'ProviderError', message: MASKED('nested body field') },
        attempts: [MASKED('body list item')],
      },
    });
  });
});
