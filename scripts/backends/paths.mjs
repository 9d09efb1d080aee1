#!/usr/bin/env node
// Where provision.sh puts the real backends, for the tests (test/helpers/stack.ts), the local
// stack (stack.sh) and provision.sh itself: the one place that knows the cache layout.
//
//   <cache>/tools/ocb-<ver>/builder                        OpenTelemetry Collector Builder
//   <cache>/otelcol/<key>/lorechat-otelcol                 our Collector; key = sha256 of the
//                                                          manifest + builder version + recipe
//   <cache>/prometheus/<ver>/{prometheus,promtool}
//   <cache>/alertmanager/<ver>/{alertmanager,amtool}
//
// <cache> is $LORECHAT_CACHE_DIR, else $XDG_CACHE_HOME/lorechat-otel, else ~/.cache/lorechat-otel
// (the same root scripts/toolchain.sh uses for Node).
//
// CLI:  node scripts/backends/paths.mjs            JSON of all paths
//       node scripts/backends/paths.mjs --shell    KEY='value' lines for `eval` in bash
//       node scripts/backends/paths.mjs --check    exit 1 naming what is missing
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PROVISION_COMMAND = 'scripts/backends/provision.sh';

/** Parses versions.env: KEY=VALUE lines, `#` comments, no expansion. */
export function readVersions(repoRoot = REPO_ROOT) {
  const file = join(repoRoot, 'scripts', 'backends', 'versions.env');
  const versions = {};
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`${file}: not a KEY=VALUE line: ${raw}`);
    versions[line.slice(0, eq)] = line.slice(eq + 1);
  }
  for (const key of [
    'OCB_VERSION',
    'PROMETHEUS_VERSION',
    'PROMETHEUS_MODULE_VERSION',
    'ALERTMANAGER_VERSION',
    'OTELCOL_RECIPE',
  ]) {
    if (!versions[key]) throw new Error(`${file}: ${key} is missing`);
  }
  return versions;
}

export function cacheRoot(env = process.env) {
  if (env.LORECHAT_CACHE_DIR) return resolve(env.LORECHAT_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(xdg, 'lorechat-otel');
}

/** Cache key of our Collector build: changes when the manifest or the way we build it does. */
export function otelcolKey(manifestText, versions) {
  return createHash('sha256')
    .update(manifestText)
    .update(`\nocb=${versions.OCB_VERSION}\nrecipe=${versions.OTELCOL_RECIPE}\n`)
    .digest('hex')
    .slice(0, 16);
}

export function backendPaths({ repoRoot = REPO_ROOT, env = process.env } = {}) {
  const versions = readVersions(repoRoot);
  const cache = cacheRoot(env);
  // LORECHAT_OTELCOL_MANIFEST: build from another manifest (trying component versions).
  const manifest = env.LORECHAT_OTELCOL_MANIFEST
    ? resolve(env.LORECHAT_OTELCOL_MANIFEST)
    : join(repoRoot, 'collector', 'builder-config.yaml');
  const key = existsSync(manifest) ? otelcolKey(readFileSync(manifest), versions) : 'no-manifest';
  const prom = join(cache, 'prometheus', `v${versions.PROMETHEUS_VERSION}`);
  const am = join(cache, 'alertmanager', `v${versions.ALERTMANAGER_VERSION}`);
  return {
    repoRoot,
    cache,
    manifest,
    ocbVersion: versions.OCB_VERSION,
    prometheusVersion: versions.PROMETHEUS_VERSION,
    prometheusModuleVersion: versions.PROMETHEUS_MODULE_VERSION,
    alertmanagerVersion: versions.ALERTMANAGER_VERSION,
    ocb: join(cache, 'tools', `ocb-${versions.OCB_VERSION}`, 'builder'),
    otelcolKey: key,
    otelcolDir: join(cache, 'otelcol', key),
    otelcol: join(cache, 'otelcol', key, 'lorechat-otelcol'),
    prometheusDir: prom,
    prometheus: join(prom, 'prometheus'),
    promtool: join(prom, 'promtool'),
    alertmanagerDir: am,
    alertmanager: join(am, 'alertmanager'),
    amtool: join(am, 'amtool'),
    // LORECHAT_STACK_DIR: another state dir for stack.sh (tests run their own stack).
    stateDir: env.LORECHAT_STACK_DIR ? resolve(env.LORECHAT_STACK_DIR) : join(cache, 'stack'),
  };
}

const BINARIES = ['otelcol', 'prometheus', 'promtool', 'alertmanager', 'amtool'];

/** Names and expected paths of the binaries that are not there yet. */
export function missingBackends(paths = backendPaths()) {
  const missing = [];
  if (!existsSync(paths.manifest)) missing.push({ name: 'manifest', path: paths.manifest });
  for (const name of BINARIES) {
    if (!existsSync(paths[name])) missing.push({ name, path: paths[name] });
  }
  return missing;
}

/** The binary paths, or an Error naming each missing one and the command that provides it. */
export function requireBackends(paths = backendPaths()) {
  const missing = missingBackends(paths);
  if (missing.length > 0) {
    const list = missing.map((m) => `  - ${m.name}: ${m.path}`).join('\n');
    throw new Error(
      `Backend binaries are missing (cache ${paths.cache}):\n${list}\n` +
        `Build them once (needs Go; takes minutes on a fresh machine, seconds when cached) with:\n` +
        `  ${PROVISION_COMMAND}`,
    );
  }
  return paths;
}

function shellQuote(value) {
  return `'${String(value).replaceAll("'", "'\\''")}'`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2] ?? '--json';
  const paths = backendPaths();
  if (mode === '--shell') {
    for (const [k, v] of Object.entries(paths)) {
      const name = k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
      process.stdout.write(`BACKEND_${name}=${shellQuote(v)}\n`);
    }
  } else if (mode === '--check') {
    try {
      requireBackends(paths);
    } catch (error) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
  } else if (mode === '--json') {
    process.stdout.write(`${JSON.stringify(paths, null, 2)}\n`);
  } else {
    process.stderr.write('usage: paths.mjs [--json|--shell|--check]\n');
    process.exit(2);
  }
}
