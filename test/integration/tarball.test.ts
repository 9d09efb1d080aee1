/**
 * The package proven from its own tarball, the way a user gets it: `npm pack`, then a fresh
 * app in a temporary directory that depends only on the tarball, the LangChain/LangGraph
 * peers and `@opentelemetry/api` from the registry (the README's "Use it in your app"). The
 * app, which has no telemetry code except one manual span made with its own API copy, runs
 * under `--require`, `--import` and `NODE_OPTIONS`, exporting OTLP to a receiver; `npx
 * lorechat-otel` works from it; the embedded default writes files the CLI reads. The app is
 * installed at the lowest and the newest `@opentelemetry/api` our peer range allows.
 *
 * Needs `npm run build` (the `pretest` script) and the npm registry (npm's cache is used).
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { ROOT, runNode } from '../helpers/run-node.js';

const exec = promisify(execFile);

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
/** The peers at the versions this repository develops and tests against. */
const installed = (name: string) =>
  (
    JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

/** npm with Node 24 first on PATH and none of the parent npm run's settings. */
function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|OTEL_|LORECHAT_|NODE_OPTIONS$)/i.test(k)) continue;
    env[k] = v;
  }
  env.PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`;
  return { ...env, ...extra };
}

async function npm(args: string[], cwd: string, timeoutMs = 180_000) {
  try {
    return await exec('npm', args, { cwd, env: npmEnv(), timeout: timeoutMs, maxBuffer: 64 << 20 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `npm ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
      { cause: err },
    );
  }
}

// The app: a two-node LangGraph graph, one node calls a chat model, one makes a manual span
// with the app's own @opentelemetry/api (one shared API copy, or it would be a no-op).
const graphCode = (imports: string) => `${imports}
const State = Annotation.Root({ question: Annotation(), answer: Annotation() });
const model = new FakeListChatModel({ responses: ['forty-two'] });
const graph = new StateGraph(State)
  .addNode('ask', async (s) => ({ answer: String((await model.invoke(s.question)).content) }))
  .addNode('record', async (s) =>
    trace.getTracer('tarball-app').startActiveSpan('app.manual', (span) => {
      span.end();
      return { answer: s.answer };
    }),
  )
  .addEdge(START, 'ask')
  .addEdge('ask', 'record')
  .addEdge('record', END)
  .compile();
graph.name = 'tarball_graph';
graph
  .invoke({ question: 'what is the answer?' }, { configurable: { thread_id: 'tarball' } })
  .then((out) => process.stdout.write('answer: ' + out.answer + '\\n'));
`;
const APP_MJS = graphCode(
  [
    "import { trace } from '@opentelemetry/api';",
    "import { StateGraph, Annotation, START, END } from '@langchain/langgraph';",
    "import { FakeListChatModel } from '@langchain/core/utils/testing';",
  ].join('\n'),
);
const APP_CJS = graphCode(
  [
    "const { trace } = require('@opentelemetry/api');",
    "const { StateGraph, Annotation, START, END } = require('@langchain/langgraph');",
    "const { FakeListChatModel } = require('@langchain/core/utils/testing');",
  ].join('\n'),
);

// An app with its own NodeSDK adds our instrumentations (README: "Use it in your app").
const SDK_MJS = `import { register } from 'node:module';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { createLoreChatInstrumentations } from 'lorechat-otel';

// ES modules: let the instrumentations patch \`import\`ed LangChain modules.
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

const sdk = new NodeSDK({ instrumentations: [...createLoreChatInstrumentations()] });
sdk.start();
process.once('beforeExit', () => sdk.shutdown());
`;
const SDK_CJS = `const { NodeSDK } = require('@opentelemetry/sdk-node');
const { createLoreChatInstrumentations } = require('lorechat-otel');

const sdk = new NodeSDK({ instrumentations: [...createLoreChatInstrumentations()] });
sdk.start();
process.once('beforeExit', () => sdk.shutdown());
`;

let dir: string;
let app: string;
let apiVersions: string[];
let receiver: OtlpReceiver;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'register.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before the integration tests');
  }
  receiver = await OtlpReceiver.start();
  dir = mkdtempSync(join(tmpdir(), 'lorechat-tarball-'));
  app = join(dir, 'app');
  const { stdout: packed } = await npm(
    ['pack', '--json', '--ignore-scripts', '--pack-destination', dir],
    ROOT,
  );
  const [{ filename }] = JSON.parse(packed) as [{ filename: string }];

  // Every published @opentelemetry/api version our peer range admits, oldest first.
  const range = pkg.peerDependencies['@opentelemetry/api'];
  expect(range, 'package.json: @opentelemetry/api must be a peer dependency').toBeDefined();
  const { stdout: view } = await npm(
    ['view', `@opentelemetry/api@${range}`, 'version', '--json'],
    dir,
  );
  const versions = JSON.parse(view) as string | string[];
  apiVersions = Array.isArray(versions) ? versions : [versions];

  const deps = {
    [pkg.name]: `file:../${filename}`,
    '@langchain/core': installed('@langchain/core'),
    '@langchain/langgraph': installed('@langchain/langgraph'),
    '@opentelemetry/api': apiVersions[0]!,
    // For the "existing NodeSDK" case: the release our SDK packages are pinned to (a
    // development dependency of ours), so one copy of each SDK package is installed.
    '@opentelemetry/sdk-node': pkg.devDependencies['@opentelemetry/sdk-node']!,
  };
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'tarball-app', version: '1.0.0', private: true, dependencies: deps }),
  );
  writeFileSync(join(app, 'app.mjs'), APP_MJS);
  writeFileSync(join(app, 'app.cjs'), APP_CJS);
  writeFileSync(join(app, 'telemetry.mjs'), SDK_MJS);
  writeFileSync(join(app, 'telemetry.cjs'), SDK_CJS);
  await npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], app);
}, 600_000);

afterAll(async () => {
  await receiver?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every installed copy of `name` under the app's node_modules (nested ones included). */
function copiesOf(name: string, root = join(app, 'node_modules')): string[] {
  const found: string[] = [];
  const walk = (nm: string) => {
    if (!existsSync(nm)) return;
    if (existsSync(join(nm, name, 'package.json'))) found.push(join(nm, name));
    for (const entry of readdirSync(nm)) {
      const dirs = entry.startsWith('@')
        ? readdirSync(join(nm, entry)).map((e) => join(nm, entry, e))
        : [join(nm, entry)];
      for (const d of dirs) walk(join(d, 'node_modules'));
    }
  };
  walk(root);
  return found;
}

const otlpEnv = (service: string) => ({
  OTEL_SERVICE_NAME: service,
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
});

/** Runs the app and checks that its graph, nodes and manual span arrived, correctly nested. */
async function expectTelemetry(args: string[], service: string, env: Record<string, string> = {}) {
  const r = await runNode(args, { cwd: app, env: { ...otlpEnv(service), ...env } });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('answer: forty-two');
  const mine = () => receiver.spans().filter((s) => s.resource['service.name'] === service);
  await receiver.waitFor(
    () => mine().some((s) => s.name === 'app.manual'),
    20_000,
    `${service}: the graph's spans`,
  );
  const spans = mine();
  const byName = (name: string): ReceivedSpan => {
    const s = spans.find((x) => x.name === name);
    expect(s, `${name} in ${spans.map((x) => x.name).join(', ')}`).toBeDefined();
    return s!;
  };
  const turn = byName('invoke_workflow tarball_graph');
  const record = byName('invoke_node record');
  const manual = byName('app.manual');
  expect(turn.parentSpanId).toBe('');
  expect(turn.attributes['gen_ai.conversation.id']).toBe('tarball');
  expect(record.traceId).toBe(turn.traceId);
  // The app's own API copy is the one the SDK registered: its span nests under our node span.
  expect(manual.parentSpanId).toBe(record.spanId);
  expect(spans.some((s) => s.name.startsWith('chat '))).toBe(true);
}

describe('the package installed from its tarball into a fresh app', () => {
  it('installs one copy of @opentelemetry/api and of each SDK package, and no echarts', () => {
    for (const name of [
      '@opentelemetry/api',
      '@opentelemetry/core',
      '@opentelemetry/resources',
      '@opentelemetry/sdk-trace',
      '@opentelemetry/sdk-metrics',
      '@opentelemetry/sdk-logs',
    ]) {
      expect(copiesOf(name), name).toHaveLength(1);
    }
    expect(copiesOf('echarts')).toEqual([]);
    // Nothing but the published files: no demo, benchmarks or source maps.
    const files = readdirSync(join(app, 'node_modules', pkg.name, 'dist'));
    expect(files.filter((f) => f.endsWith('.map') || f === 'demo' || f === 'bench')).toEqual([]);
  });

  it('node --require lorechat-otel/register app.cjs', async () => {
    await expectTelemetry(['--require', 'lorechat-otel/register', 'app.cjs'], 'tarball-require');
  });

  it('node --import lorechat-otel/register app.mjs', async () => {
    await expectTelemetry(['--import', 'lorechat-otel/register', 'app.mjs'], 'tarball-import');
  });

  it('NODE_OPTIONS="--import lorechat-otel/register" node app.mjs', async () => {
    await expectTelemetry(['app.mjs'], 'tarball-node-options', {
      NODE_OPTIONS: '--import lorechat-otel/register',
    });
  });

  it('an existing NodeSDK with our instrumentations: --require ./telemetry.cjs', async () => {
    await expectTelemetry(['--require', './telemetry.cjs', 'app.cjs'], 'tarball-nodesdk-cjs');
  });

  it('an existing NodeSDK with our instrumentations: --import ./telemetry.mjs', async () => {
    await expectTelemetry(['--import', './telemetry.mjs', 'app.mjs'], 'tarball-nodesdk-esm');
  });

  it('npx lorechat-otel --help', async () => {
    const { stdout } = await exec('npx', ['--no-install', 'lorechat-otel', '--help'], {
      cwd: app,
      env: npmEnv(),
      timeout: 60_000,
    });
    expect(stdout).toContain('Usage: lorechat-otel <command>');
    expect(stdout).toContain('report');
  });

  it('first run without a Collector: embedded files the CLI reads; report asks for echarts', async () => {
    const out = join(dir, 'telemetry');
    const r = await runNode(['--import', 'lorechat-otel/register', 'app.mjs'], {
      cwd: app,
      env: { LORECHAT_OTEL_OUTPUT_DIR: out, LORECHAT_OTEL_PROMETHEUS_PORT: '0' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('lorechat-otel summary (embedded mode)');
    for (const f of ['traces.jsonl', 'logs.jsonl', 'metrics.jsonl']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const analyze = await exec(
      'npx',
      ['--no-install', 'lorechat-otel', 'analyze', '--files', out, '--json', '--quiet'],
      { cwd: app, env: npmEnv(), timeout: 60_000 },
    );
    expect(JSON.parse(analyze.stdout)).toBeTypeOf('object');
    const report = await exec(
      'npx',
      ['--no-install', 'lorechat-otel', 'report', '--files', out, '--out', join(dir, 'r.html')],
      { cwd: app, env: npmEnv(), timeout: 60_000 },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(report.code).not.toBe(0);
    expect(report.stderr).toContain('npm install echarts');
  });

  it('works at the newest @opentelemetry/api the peer range allows too', async () => {
    const newest = apiVersions.at(-1)!;
    if (newest !== apiVersions[0]) {
      await npm(
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--prefer-offline',
          '--loglevel=error',
          `@opentelemetry/api@${newest}`,
        ],
        app,
      );
    }
    const { version } = JSON.parse(
      readFileSync(join(app, 'node_modules/@opentelemetry/api/package.json'), 'utf8'),
    ) as { version: string };
    expect(version).toBe(newest);
    expect(copiesOf('@opentelemetry/api')).toHaveLength(1);
    await expectTelemetry(['--import', 'lorechat-otel/register', 'app.mjs'], 'tarball-newest-api');
  });
});
