#!/usr/bin/env node
// Time to first output: how long a Node.js process takes from spawn to the first byte on
// its stdout, without and with the register entry (CommonJS `--require`, ES module
// `--import`), in the embedded default and in OTLP mode. Variants run interleaved (one of
// each per round, the order rotating every round) so that a busy machine slows all of them
// alike; medians and the added median are reported.
//
//   npm run build && node bench/startup.mjs [--rounds 21] [--dist dist] [--label after]
//
// Writes bench/results/startup-<label>.json and prints the Markdown table BENCHMARKS.md
// shows. Apps: `trivial` prints one line (the register entry's own cost); `langgraph` is
// test/fixtures/faults/app.mjs|cjs doing one turn (the instrumentation's patching of the
// LangChain modules included).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const rounds = Number(opt('--rounds', '21'));
const root = resolve(import.meta.dirname, '..');
const dist = resolve(root, opt('--dist', 'dist'));
const label = opt('--label', 'after');
// Another build to compare with, in the same interleaved rounds (e.g. the previous commit's).
const compare = opt('--compare', undefined);
const compareLabel = opt('--compare-label', 'before');

const work = mkdtempSync(join(tmpdir(), 'lorechat-startup-'));
// The trivial app's first line is the CPU time (user + system, all threads) the process has
// used so far: less sensitive than wall time to other work on a shared machine.
const FIRST =
  'const u = process.cpuUsage(); process.stdout.write(`cpu ${(u.user + u.system) / 1000}\\n`);\n';
writeFileSync(join(work, 'first.cjs'), FIRST);
writeFileSync(join(work, 'first.mjs'), FIRST);

const embeddedEnv = {
  LORECHAT_OTEL_PROMETHEUS_PORT: '0',
  LORECHAT_OTEL_OUTPUT_DIR: join(work, 'telemetry'),
};
// Nothing listens on port 9: start-up does not wait for the endpoint.
const otlpEnv = {
  OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
  LORECHAT_OTEL_SHUTDOWN_TIMEOUT_MS: '200',
  LORECHAT_OTEL_SPOOL: 'false',
};

const apps = {
  trivial: { cjs: [join(work, 'first.cjs')], esm: [join(work, 'first.mjs')] },
  langgraph: {
    cjs: [join(root, 'test/fixtures/faults/app.cjs'), '--turns', '1'],
    esm: [join(root, 'test/fixtures/faults/app.mjs'), '--turns', '1'],
  },
};

/** name -> { app, format, mode, args, env } */
const variants = [];
for (const [app, files] of Object.entries(apps)) {
  for (const format of ['cjs', 'esm']) {
    const flag =
      format === 'cjs'
        ? ['--require', join(dist, 'register.cjs')]
        : ['--import', join(dist, 'register.js')];
    variants.push({ app, format, mode: 'none', args: files[format], env: {} });
    variants.push({
      app,
      format,
      mode: 'embedded',
      args: [...flag, ...files[format]],
      env: embeddedEnv,
    });
    variants.push({ app, format, mode: 'otlp', args: [...flag, ...files[format]], env: otlpEnv });
    if (compare) {
      const old =
        format === 'cjs'
          ? ['--require', join(resolve(compare), 'register.cjs')]
          : ['--import', join(resolve(compare), 'register.js')];
      for (const [mode, env] of [
        ['embedded', embeddedEnv],
        ['otlp', otlpEnv],
      ]) {
        variants.push({
          app,
          format,
          mode: `${mode} (${compareLabel})`,
          args: [...old, ...files[format]],
          env,
        });
      }
    }
  }
}

function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('OTEL_') || k.startsWith('LORECHAT_') || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function timeToFirstOutput(v) {
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    let first;
    let cpu;
    const child = spawn(process.execPath, v.args, {
      cwd: work,
      env: cleanEnv(v.env),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    child.stdout.once('data', (chunk) => {
      first = Number(process.hrtime.bigint() - start) / 1e6;
      const m = /^cpu ([\d.]+)/.exec(String(chunk));
      if (m) cpu = Number(m[1]);
      // Only the start-up is measured: what the process does after its first output (a
      // shutdown waiting on an endpoint that is down) must not slow the next variant.
      child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (first === undefined)
        reject(new Error(`${v.app}/${v.format}/${v.mode}: no output (exit ${code})`));
      else resolvePromise({ wallMs: first, cpuMs: cpu });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const samples = variants.map(() => []);
const cpuSamples = variants.map(() => []);
const load = [];
for (let r = 0; r < rounds; r++) {
  load.push(loadavg()[0]);
  for (let k = 0; k < variants.length; k++) {
    const i = (k + r) % variants.length;
    const { wallMs, cpuMs } = await timeToFirstOutput(variants[i]);
    samples[i].push(wallMs);
    if (cpuMs !== undefined) cpuSamples[i].push(cpuMs);
  }
  process.stderr.write(`round ${r + 1}/${rounds}\n`);
}
rmSync(work, { recursive: true, force: true });

const rows = variants.map((v, i) => {
  const base = variants.findIndex(
    (b) => b.app === v.app && b.format === v.format && b.mode === 'none',
  );
  const m = median(samples[i]);
  const baseMedian = median(samples[base]);
  // Per round, the difference with that round's uninstrumented run: robust to load drift.
  const paired = median(samples[i].map((x, j) => x - samples[base][j]));
  const cpu = cpuSamples[i].length > 0 ? median(cpuSamples[i]) : undefined;
  const cpuAdded = cpu === undefined ? undefined : cpu - median(cpuSamples[base]);
  return {
    ...v,
    medianMs: m,
    addedMs: v.mode === 'none' ? 0 : paired,
    ratio: m / baseMedian,
    cpuMedianMs: cpu,
    cpuAddedMs: cpuAdded,
    samples: samples[i],
    cpuSamples: cpuSamples[i],
  };
});

const result = {
  label,
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  loadavg1: { min: Math.min(...load), max: Math.max(...load) },
  rounds,
  command:
    `node bench/startup.mjs --rounds ${rounds} --dist ${opt('--dist', 'dist')} --label ${label}` +
    (compare ? ` --compare <build of ${compareLabel}> --compare-label ${compareLabel}` : ''),
  rows: rows.map(({ args: _a, env: _e, ...r }) => r),
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(
  join(root, `bench/results/startup-${label}.json`),
  JSON.stringify(result, null, 2) + '\n',
);

const fmt = (x) => x.toFixed(0);
const lines = [
  `| App | Build | Mode | Median to first output (ms) | Added (median of per-round differences, ms) | Ratio | CPU to first output (ms) | CPU added (ms) |`,
  `| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |`,
  ...rows.map(
    (r) =>
      `| ${r.app} | ${r.format === 'cjs' ? 'CJS `--require`' : 'ESM `--import`'} | ${r.mode === 'none' ? 'without us' : r.mode} | ${fmt(r.medianMs)} | ${r.mode === 'none' ? '' : `+${fmt(r.addedMs)}`} | ${r.mode === 'none' ? '' : `${r.ratio.toFixed(2)}x`} | ${r.cpuMedianMs === undefined ? 'n/a' : fmt(r.cpuMedianMs)} | ${r.cpuAddedMs === undefined || r.mode === 'none' ? '' : `+${fmt(r.cpuAddedMs)}`} |`,
  ),
];
process.stdout.write(
  `${lines.join('\n')}\n\n${result.command}; ${result.date}; Node ${result.node}; ${result.cpus} CPUs; 1-min load ${result.loadavg1.min.toFixed(1)}-${result.loadavg1.max.toFixed(1)}; ${rounds} interleaved rounds\n`,
);
