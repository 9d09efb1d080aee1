// The documented overlay that runs the SHIPPED pipeline files outside Docker (tests and the
// local stack). It may change only listen addresses, data paths and targets -- never rules,
// routes, receivers, processors or flags that change behaviour:
//
// Collector   otel-collector-config.yaml is used as it is; its ${env:VAR:-default} variables
//             (listen addresses, FILE_STORAGE_DIR, backend endpoints) are the overlay.
// Prometheus  prometheus/prometheus.yml is copied to a temporary directory with
//             - `targets` of each scrape job replaced (jobs whose program is not running here,
//               e.g. tempo and loki, get an empty target list); a job discovered by DNS
//               (dns_sd_configs: the scale-out tiers) gets the targets as a static list,
//             - the alertmanager targets replaced,
//             - rule_files made absolute (the shipped rules, unchanged),
//             - optionally scrape_interval / evaluation_interval shortened (tests only),
//             - optionally (live alert tests only) `timeScale`: the rule files are copied with
//               every group `interval` and every alert `for` / `keep_firing_for` divided by
//               the factor (60: `for: 5m` -> 5s, `interval: 1m` -> 1s). Expressions, labels,
//               annotations and range windows ([5m], [1h]) stay exactly as shipped; promtool
//               tests always run on the shipped files.
//             Flags: docker-compose.yml's `command` for the prometheus service, with only
//             --config.file, --storage.tsdb.path and --web.listen-address replaced.
// Alertmanager alertmanager/alertmanager.yml is copied with
//             - `templates` made absolute (the shipped templates),
//             - every *_file secret (webhook URL, chat URL, SMTP password) pointed at files in
//               the temporary directory, holding the receiver URLs the caller gives,
//             - global.smtp_smarthost replaced when the caller gives one (a target),
//             - optionally (live alert tests only) `timeScale`: group_wait, group_interval and
//               repeat_interval of the route and of every sub-route divided by the factor.
//               Matchers, receivers, grouping and inhibition stay as shipped.
//             Flags: docker-compose.yml's command with --config.file and --storage.path
//             replaced, plus --web.listen-address and an empty --cluster.listen-address (no
//             gossip port: one instance on loopback).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse, parseDocument } from 'yaml';
import { REPO_ROOT } from './paths.mjs';

const DURATION_UNITS_MS = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** Milliseconds of a Prometheus/Alertmanager duration such as `5m`, `1h30m`, `500ms`. */
export function durationMs(text) {
  const parts = [...String(text).matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== String(text)) {
    throw new Error(`not a duration: ${text}`);
  }
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * DURATION_UNITS_MS[unit], 0);
}

/** `text` divided by `scale`, as a duration string (at least `minMs`). */
export function scaleDuration(text, scale, minMs = 1) {
  if (!(scale >= 1)) throw new Error(`timeScale must be a number >= 1, got ${scale}`);
  return `${Math.max(minMs, Math.round(durationMs(text) / scale))}ms`;
}

/** The shipped rule files (rule_files globs of one `*` in the file name) as absolute paths. */
function expandRuleFiles(patterns, baseDir) {
  return patterns.flatMap((f) => {
    const abs = isAbsolute(f) ? f : resolve(baseDir, f);
    const name = basename(abs);
    if (!name.includes('*')) return [abs];
    const re = new RegExp(
      `^${name
        .split('*')
        .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    const dir = dirname(abs);
    return readdirSync(dir)
      .filter((n) => re.test(n))
      .sort()
      .map((n) => join(dir, n));
  });
}

/** Copies rule files into outDir with group intervals and alert `for`s divided by scale. */
function writeScaledRules(files, outDir, scale, defaultInterval) {
  mkdirSync(outDir, { recursive: true });
  return files.map((file) => {
    const doc = parseDocument(readFileSync(file, 'utf8'));
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
    const groups = doc.toJS()?.groups ?? [];
    groups.forEach((group, i) => {
      // A group without its own interval runs at the global evaluation_interval.
      doc.setIn(
        ['groups', i, 'interval'],
        scaleDuration(group.interval ?? defaultInterval, scale, 1000),
      );
      (group.rules ?? []).forEach((rule, j) => {
        for (const key of ['for', 'keep_firing_for']) {
          if (rule[key] !== undefined)
            doc.setIn(['groups', i, 'rules', j, key], scaleDuration(rule[key], scale));
        }
      });
    });
    const out = join(outDir, basename(file));
    writeFileSync(out, doc.toString());
    return out;
  });
}

/** Environment for our Collector: the overlay of otel-collector-config.yaml. */
export function collectorEnv({
  otlpGrpc,
  otlpHttp,
  health,
  metricsHost = '127.0.0.1',
  metricsPort,
  fileStorageDir,
  prometheusOtlp,
  tempoOtlp,
  lokiOtlp,
}) {
  const env = {
    OTLP_GRPC_ENDPOINT: otlpGrpc,
    OTLP_HTTP_ENDPOINT: otlpHttp,
    HEALTH_CHECK_ENDPOINT: health,
    COLLECTOR_METRICS_HOST: metricsHost,
    COLLECTOR_METRICS_PORT: String(metricsPort),
    FILE_STORAGE_DIR: fileStorageDir,
    PROMETHEUS_OTLP_ENDPOINT: prometheusOtlp,
    TEMPO_OTLP_ENDPOINT: tempoOtlp,
    LOKI_OTLP_ENDPOINT: lokiOtlp,
  };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || value === '') throw new Error(`collectorEnv: ${key} is required`);
  }
  return env;
}

/** Reads one service's `command` list from the shipped docker-compose.yml. */
export function composeCommand(service, { repoRoot = REPO_ROOT, env = process.env } = {}) {
  const file = join(repoRoot, 'docker-compose.yml');
  const compose = parse(readFileSync(file, 'utf8'));
  const command = compose?.services?.[service]?.command;
  if (!Array.isArray(command))
    throw new Error(`${file}: services.${service}.command is not a list`);
  // Compose interpolation, as `docker compose` does it for ${VAR:-default} and ${VAR}.
  return command.map((arg) =>
    String(arg).replace(/\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g, (_, name, dflt) =>
      env[name] !== undefined && env[name] !== '' ? env[name] : (dflt ?? ''),
    ),
  );
}

function replaceFlags(command, replacements) {
  const names = Object.keys(replacements);
  const kept = command.filter((arg) => !names.some((n) => arg === n || arg.startsWith(`${n}=`)));
  return [...kept, ...names.map((n) => `${n}=${replacements[n]}`)];
}

/** Prometheus flags: the shipped compose command with only config, storage and listen replaced. */
export function prometheusArgs({ configFile, dataDir, listen, repoRoot = REPO_ROOT, env }) {
  return replaceFlags(composeCommand('prometheus', { repoRoot, env }), {
    '--config.file': configFile,
    '--storage.tsdb.path': dataDir,
    '--web.listen-address': listen,
  });
}

/**
 * Prometheus's environment: LORECHAT_RUNBOOK_BASE_URL, which prometheus.yml expands into the
 * external label runbook_base_url (every alert's runbook_url = it + '/<doc>.md#section').
 * Compose takes it from .env; outside Docker it defaults to this checkout's docs/ directory as
 * a file: URL, which opens on the machine that runs the stack.
 */
export function prometheusEnv({ repoRoot = REPO_ROOT, env = process.env } = {}) {
  return {
    LORECHAT_RUNBOOK_BASE_URL:
      env.LORECHAT_RUNBOOK_BASE_URL || pathToFileURL(join(repoRoot, 'docs')).href,
  };
}

/** Alertmanager flags: the shipped compose command with config, storage and listen replaced. */
export function alertmanagerArgs({ configFile, dataDir, listen, repoRoot = REPO_ROOT, env }) {
  return replaceFlags(composeCommand('alertmanager', { repoRoot, env }), {
    '--config.file': configFile,
    '--storage.path': dataDir,
    '--web.listen-address': listen,
    '--cluster.listen-address': '',
  });
}

/**
 * Writes the overlaid prometheus.yml into outDir and returns its path and the jobs left
 * without targets.
 * @param {object} o
 * @param {string} o.outDir
 * @param {Record<string, string[]>} o.jobTargets scrape job name -> host:port targets
 * @param {string[]} o.alertmanagers host:port of Alertmanagers (may be empty)
 * @param {string} [o.scrapeInterval]
 * @param {string} [o.evaluationInterval]
 * @param {number} [o.timeScale] live alert tests only: divide rule group intervals and alert
 *   `for` durations by this factor (expressions unchanged)
 */
export function writePrometheusOverlay({
  outDir,
  jobTargets,
  alertmanagers,
  scrapeInterval,
  evaluationInterval,
  timeScale,
  repoRoot = REPO_ROOT,
}) {
  const shippedDir = join(repoRoot, 'prometheus');
  const doc = parseDocument(readFileSync(join(shippedDir, 'prometheus.yml'), 'utf8'));
  if (doc.errors.length > 0) throw new Error(`prometheus.yml: ${doc.errors[0].message}`);
  const config = doc.toJS();

  if (scrapeInterval) doc.setIn(['global', 'scrape_interval'], scrapeInterval);
  if (evaluationInterval) doc.setIn(['global', 'evaluation_interval'], evaluationInterval);

  const ruleFiles = config.rule_files ?? [];
  doc.set(
    'rule_files',
    timeScale === undefined
      ? ruleFiles.map((f) => (isAbsolute(f) ? f : resolve(shippedDir, f)))
      : writeScaledRules(
          expandRuleFiles(ruleFiles, shippedDir),
          join(outDir, 'rules'),
          timeScale,
          evaluationInterval ?? config.global?.evaluation_interval ?? '1m',
        ),
  );

  const ams = config.alerting?.alertmanagers ?? [];
  ams.forEach((am, i) => {
    (am.static_configs ?? []).forEach((_, j) => {
      doc.setIn(['alerting', 'alertmanagers', i, 'static_configs', j, 'targets'], alertmanagers);
    });
  });

  const unknown = Object.keys(jobTargets).filter(
    (job) => !(config.scrape_configs ?? []).some((s) => s.job_name === job),
  );
  if (unknown.length > 0) {
    throw new Error(`prometheus.yml has no scrape job named ${unknown.join(', ')}`);
  }
  const withoutTargets = [];
  (config.scrape_configs ?? []).forEach((scrape, i) => {
    const targets = jobTargets[scrape.job_name] ?? [];
    if (targets.length === 0) withoutTargets.push(scrape.job_name);
    // A job discovered by DNS (the scale-out tiers) gets the given targets as a static list
    // instead: service discovery is target selection, nothing else about the job changes.
    const discovery = Object.keys(scrape).filter((k) => k.endsWith('_sd_configs'));
    for (const key of discovery) doc.deleteIn(['scrape_configs', i, key]);
    if (scrape.static_configs === undefined) {
      if (discovery.length > 0) doc.setIn(['scrape_configs', i, 'static_configs'], [{ targets }]);
      return;
    }
    scrape.static_configs.forEach((_, j) => {
      doc.setIn(['scrape_configs', i, 'static_configs', j, 'targets'], targets);
    });
  });

  mkdirSync(outDir, { recursive: true });
  const configFile = join(outDir, 'prometheus.yml');
  writeFileSync(configFile, doc.toString());
  return { configFile, withoutTargets };
}

/**
 * Writes the overlaid alertmanager.yml (and its secret files) into outDir.
 * @param {object} o
 * @param {string} o.outDir
 * @param {string} o.webhookUrl where webhook receivers post (e.g. a test's HTTP server)
 * @param {string} [o.slackApiUrl] chat receiver URL (defaults to webhookUrl)
 * @param {string} [o.smtpSmarthost] host:port for e-mail receivers
 * @param {number} [o.timeScale] live alert tests only: divide group_wait, group_interval and
 *   repeat_interval of every route by this factor
 */
export function writeAlertmanagerOverlay({
  outDir,
  webhookUrl,
  slackApiUrl = webhookUrl,
  smtpSmarthost,
  timeScale,
  repoRoot = REPO_ROOT,
}) {
  if (!webhookUrl) throw new Error('writeAlertmanagerOverlay: webhookUrl is required');
  const shippedDir = join(repoRoot, 'alertmanager');
  const doc = parseDocument(readFileSync(join(shippedDir, 'alertmanager.yml'), 'utf8'));
  if (doc.errors.length > 0) throw new Error(`alertmanager.yml: ${doc.errors[0].message}`);
  const config = doc.toJS();
  const secretsDir = join(outDir, 'secrets');
  mkdirSync(secretsDir, { recursive: true });

  doc.set(
    'templates',
    (config.templates ?? []).map((t) => (isAbsolute(t) ? t : resolve(shippedDir, t))),
  );
  if (smtpSmarthost) doc.setIn(['global', 'smtp_smarthost'], smtpSmarthost);

  // Secret files by what they hold, whatever path the shipped file mounts them at.
  const secretValue = (key) => {
    if (key === 'smtp_auth_password_file') return 'not-a-real-password';
    if (key === 'slack_api_url_file' || key === 'api_url_file') return slackApiUrl;
    return webhookUrl; // url_file of webhook receivers
  };
  const written = new Map();
  const rewrite = (node, path) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => rewrite(item, [...path, i]));
    } else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key.endsWith('_file') && typeof value === 'string') {
          const file = join(secretsDir, value.replace(/^.*\//, '') || key);
          if (!written.has(file)) {
            writeFileSync(file, `${secretValue(key)}\n`, { mode: 0o600 });
            written.set(file, key);
          }
          doc.setIn([...path, key], file);
        } else {
          rewrite(value, [...path, key]);
        }
      }
    }
  };
  rewrite(config.global ?? {}, ['global']);
  rewrite(config.receivers ?? [], ['receivers']);

  if (timeScale !== undefined) {
    const scaleRoute = (route, path) => {
      for (const key of ['group_wait', 'group_interval', 'repeat_interval']) {
        if (route[key] !== undefined)
          doc.setIn([...path, key], scaleDuration(route[key], timeScale));
      }
      (route.routes ?? []).forEach((child, i) => scaleRoute(child, [...path, 'routes', i]));
    };
    scaleRoute(config.route ?? {}, ['route']);
  }

  mkdirSync(outDir, { recursive: true });
  const configFile = join(outDir, 'alertmanager.yml');
  writeFileSync(configFile, doc.toString());
  return { configFile, secretsDir };
}
