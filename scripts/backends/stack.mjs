#!/usr/bin/env node
// The local pipeline for a person, without Docker: our Collector, Prometheus and Alertmanager
// on 127.0.0.1 with the shipped configs + the documented overlay (overlay.mjs), and the OTLP
// recorder standing in for Tempo and Loki (and for the alert webhook/chat receivers).
// Run through scripts/backends/stack.sh (which provides Node 24):
//
//   scripts/backends/stack.sh up       start (default ports if free, else free ones); prints URLs
//   scripts/backends/stack.sh status   what runs where
//   scripts/backends/stack.sh down     stop everything and delete the stack's data
//
// State (pids, ports, configs, data, logs, recorded traces/logs/alerts) lives in
// <cache>/stack/ (see paths.mjs).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { backendPaths, requireBackends } from './paths.mjs';
import {
  alertmanagerArgs,
  collectorEnv,
  prometheusArgs,
  prometheusEnv,
  writeAlertmanagerOverlay,
  writePrometheusOverlay,
} from './overlay.mjs';

const paths = backendPaths();
const stateDir = paths.stateDir;
const stateFile = join(stateDir, 'state.json');

/** Resolves to `preferred` when it is free on 127.0.0.1, else to any free port. */
async function pickPort(preferred, taken) {
  const tryListen = async (port) => {
    const server = createServer();
    server.listen(port, '127.0.0.1');
    try {
      await Promise.race([
        once(server, 'listening'),
        once(server, 'error').then(([e]) => Promise.reject(e)),
      ]);
    } catch {
      return undefined;
    }
    const got = server.address().port;
    server.close();
    await once(server, 'close');
    return got;
  };
  if (!taken.has(preferred)) {
    const port = await tryListen(preferred);
    if (port !== undefined) return (taken.add(port), port);
  }
  for (;;) {
    const port = await tryListen(0);
    if (port !== undefined && !taken.has(port)) return (taken.add(port), port);
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readState() {
  if (!existsSync(stateFile)) return undefined;
  return JSON.parse(readFileSync(stateFile, 'utf8'));
}

function startDetached(name, command, args, env) {
  const log = join(stateDir, `${name}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(command, args, {
    cwd: paths.repoRoot,
    env: { ...process.env, ...env },
    detached: true, // own process group; survives this command, stopped by `down`
    stdio: ['ignore', fd, fd],
  });
  child.unref();
  return { name, pid: child.pid, log };
}

async function waitReady(name, url, pid, log, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) {
      const tail = readFileSync(log, 'utf8').split('\n').slice(-30).join('\n');
      throw new Error(`${name} exited during start-up; last output (${log}):\n${tail}`);
    }
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (r.ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} not ready at ${url} within ${timeoutMs / 1000}s (log: ${log})`);
}

async function stopAll(processes) {
  for (const p of [...processes].reverse()) {
    try {
      process.kill(-p.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 10_000;
  while (processes.some((p) => alive(p.pid)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const p of processes) {
    if (alive(p.pid)) {
      try {
        process.kill(-p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

function printUrls(state) {
  const u = state.urls;
  process.stdout.write(
    [
      `Prometheus     ${u.prometheus}   (HTTP API; the web UI is not built into this binary)`,
      `Alertmanager   ${u.alertmanager}   (API at /api/v2; the web UI is not built)`,
      `Collector      OTLP/HTTP ${u.otlpHttp}   OTLP/gRPC ${u.otlpGrpc}`,
      `               health ${u.health}   self-metrics ${u.collectorMetrics}`,
      `Tempo/Loki     not run here: traces and logs are recorded by ${u.recorder} into`,
      `               ${state.recordedDir}/{traces,logs}.jsonl (alerts: alerts.jsonl, chat.jsonl)`,
      '',
      'Point an app at it:',
      `  OTEL_EXPORTER_OTLP_ENDPOINT=${u.otlpHttp} node --import lorechat-otel/register app.mjs`,
      'Stop it: scripts/backends/stack.sh down',
      '',
    ].join('\n'),
  );
}

async function up() {
  const existing = readState();
  if (existing && existing.processes.every((p) => alive(p.pid))) {
    process.stdout.write('The local stack is already running.\n');
    printUrls(existing);
    return;
  }
  if (existing) {
    process.stdout.write('Cleaning up a partly stopped stack first.\n');
    await down({ quiet: true });
  }
  const bin = requireBackends(paths);
  mkdirSync(stateDir, { recursive: true });
  const taken = new Set();
  const port = {
    otlpGrpc: await pickPort(4317, taken),
    otlpHttp: await pickPort(4318, taken),
    health: await pickPort(13133, taken),
    collectorMetrics: await pickPort(8888, taken),
    prometheus: await pickPort(9090, taken),
    alertmanager: await pickPort(9093, taken),
    recorder: await pickPort(4319, taken),
  };
  const h = (p) => `127.0.0.1:${p}`;
  const recorder = `http://${h(port.recorder)}`;
  const recordedDir = join(stateDir, 'recorded');
  const state = {
    startedAt: new Date().toISOString(),
    stateDir,
    recordedDir,
    urls: {
      prometheus: `http://${h(port.prometheus)}`,
      alertmanager: `http://${h(port.alertmanager)}`,
      otlpHttp: `http://${h(port.otlpHttp)}`,
      otlpGrpc: h(port.otlpGrpc),
      health: `http://${h(port.health)}/`,
      collectorMetrics: `http://${h(port.collectorMetrics)}/metrics`,
      recorder,
    },
    processes: [],
  };
  const save = () => writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);

  try {
    const rec = startDetached(
      'otlp-recorder',
      process.execPath,
      [
        join(paths.repoRoot, 'scripts/backends/otlp-recorder.mjs'),
        `--port=${port.recorder}`,
        `--out=${recordedDir}`,
      ],
      {},
    );
    state.processes.push(rec);
    save();

    const am = writeAlertmanagerOverlay({
      outDir: join(stateDir, 'alertmanager'),
      webhookUrl: `${recorder}/alerts`,
      slackApiUrl: `${recorder}/chat`,
    });
    const amData = join(stateDir, 'alertmanager', 'data');
    mkdirSync(amData, { recursive: true });
    state.processes.push(
      startDetached(
        'alertmanager',
        bin.alertmanager,
        alertmanagerArgs({
          configFile: am.configFile,
          dataDir: amData,
          listen: h(port.alertmanager),
        }),
        {},
      ),
    );
    save();

    const prom = writePrometheusOverlay({
      outDir: join(stateDir, 'prometheus'),
      jobTargets: {
        prometheus: [h(port.prometheus)],
        'otel-collector': [h(port.collectorMetrics)],
        alertmanager: [h(port.alertmanager)],
      },
      alertmanagers: [h(port.alertmanager)],
    });
    state.processes.push(
      startDetached(
        'prometheus',
        bin.prometheus,
        prometheusArgs({
          configFile: prom.configFile,
          dataDir: join(stateDir, 'prometheus', 'data'),
          listen: h(port.prometheus),
        }),
        prometheusEnv({ repoRoot: paths.repoRoot }),
      ),
    );
    save();

    const fileStorageDir = join(stateDir, 'otelcol', 'file_storage');
    mkdirSync(fileStorageDir, { recursive: true });
    state.processes.push(
      startDetached(
        'collector',
        bin.otelcol,
        [`--config=${join(paths.repoRoot, 'otel-collector-config.yaml')}`],
        collectorEnv({
          otlpGrpc: h(port.otlpGrpc),
          otlpHttp: h(port.otlpHttp),
          health: h(port.health),
          metricsPort: port.collectorMetrics,
          fileStorageDir,
          prometheusOtlp: `http://${h(port.prometheus)}/api/v1/otlp`,
          tempoOtlp: recorder,
          lokiOtlp: `${recorder}/otlp`,
        }),
      ),
    );
    save();

    const readiness = {
      'otlp-recorder': `${recorder}/healthz`,
      alertmanager: `${state.urls.alertmanager}/-/ready`,
      prometheus: `${state.urls.prometheus}/-/ready`,
      collector: state.urls.health,
    };
    await Promise.all(
      state.processes.map((p) => waitReady(p.name, readiness[p.name], p.pid, p.log)),
    );
  } catch (error) {
    await stopAll(state.processes);
    process.stderr.write(
      `stack up failed: ${error.message}\nLogs and configs kept in ${stateDir}\n`,
    );
    rmSync(stateFile, { force: true });
    process.exit(1);
  }
  process.stdout.write(`The local stack is up (state in ${stateDir}).\n`);
  printUrls(state);
}

async function down({ quiet = false } = {}) {
  const state = readState();
  if (!state) {
    if (!quiet) process.stdout.write('The local stack is not running.\n');
    rmSync(stateDir, { recursive: true, force: true });
    return;
  }
  await stopAll(state.processes);
  const survivors = state.processes.filter((p) => alive(p.pid));
  if (survivors.length > 0) {
    throw new Error(`could not stop ${survivors.map((p) => `${p.name} (${p.pid})`).join(', ')}`);
  }
  rmSync(stateDir, { recursive: true, force: true });
  if (!quiet)
    process.stdout.write(`Stopped ${state.processes.length} processes; removed ${stateDir}\n`);
}

function status() {
  const state = readState();
  if (!state) {
    process.stdout.write('The local stack is not running.\n');
    return 1;
  }
  for (const p of state.processes) {
    process.stdout.write(
      `${p.name.padEnd(14)} pid ${p.pid}  ${alive(p.pid) ? 'running' : 'STOPPED'}  log ${p.log}\n`,
    );
  }
  process.stdout.write('\n');
  printUrls(state);
  return state.processes.every((p) => alive(p.pid)) ? 0 : 1;
}

const command = process.argv[2];
if (command === 'up') await up();
else if (command === 'down') await down();
else if (command === 'status') process.exitCode = status();
else {
  process.stderr.write('usage: scripts/backends/stack.sh up|down|status\n');
  process.exitCode = 2;
}
