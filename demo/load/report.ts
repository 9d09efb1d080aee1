import type { LoadProgress, LoadSummary } from './run-load.js';

export function formatProgress(p: LoadProgress): string {
  return (
    `[load] ${(p.elapsedMs / 1000).toFixed(1)}s  sent ${p.sent}  ok ${p.ok}  errors ${p.errors}  ` +
    `in-flight ${p.inFlight}  ${p.throughput.toFixed(1)} req/s` +
    (p.p95Ms === undefined ? '' : `  p95 ${Math.round(p.p95Ms)} ms`)
  );
}

export function formatSummary(s: LoadSummary): string {
  const lines = [
    `LoreChat load: ${s.url}`,
    `  stopped by   ${s.stoppedBy} after ${(s.durationMs / 1000).toFixed(1)} s`,
    `  requests     ${s.sent} sent, ${s.completed} completed, ${s.ok} ok, ${s.errors} errors (${s.threads} threads)`,
    `  injected     ${s.injected.slow} slow, ${s.injected.fail} failing, ${s.injected.agent} to the agent`,
    `  throughput   ${s.throughput.toFixed(2)} req/s`,
  ];
  if (s.latencyMs) {
    const l = s.latencyMs;
    lines.push(
      `  latency ms   p50 ${l.p50}  p95 ${l.p95}  p99 ${l.p99}  max ${l.max}  mean ${l.mean}`,
    );
  }
  if (s.okLatencyMs) {
    const l = s.okLatencyMs;
    lines.push(`  ok only ms   p50 ${l.p50}  p95 ${l.p95}  p99 ${l.p99}`);
  }
  const kinds = Object.entries(s.errorsByKind).sort((a, b) => b[1] - a[1]);
  lines.push(
    `  errors       ${kinds.length === 0 ? 'none' : kinds.map(([k, n]) => `${k} ${n}`).join(', ')}`,
  );
  const tokens = Object.entries(s.tokens).sort((a, b) => a[0].localeCompare(b[0]));
  lines.push(
    `  tokens       ${tokens.length === 0 ? 'none reported' : tokens.map(([m, t]) => `${m} ${t.input} in / ${t.output} out`).join(', ')}`,
  );
  return lines.join('\n');
}

export interface LoadVerdict {
  readonly ok: boolean;
  /** Share of completed requests that failed (NaN when none completed). */
  readonly errorShare: number;
  readonly message: string;
}

/**
 * Whether a run passed: at least one request completed and the failed share is at most
 * `maxErrorShare` (the injected --fail-share by default, so that only the failures the run
 * asked for are accepted; rounding of the injected count is allowed for).
 */
export function loadVerdict(s: LoadSummary, maxErrorShare: number): LoadVerdict {
  if (s.completed === 0) {
    return { ok: false, errorShare: Number.NaN, message: `no request completed (${s.sent} sent)` };
  }
  const errorShare = s.errors / s.completed;
  // The injected failures are exactly ceil/round of share x sent; never fail a run for them.
  const allowed = Math.max(maxErrorShare * s.completed, s.injected.fail);
  const ok = s.errors <= allowed + 1e-9;
  const share = `${(errorShare * 100).toFixed(1)} %`;
  return {
    ok,
    errorShare,
    message: ok
      ? `${s.errors} of ${s.completed} requests failed (${share}), within the accepted ${(maxErrorShare * 100).toFixed(1)} %`
      : `${s.errors} of ${s.completed} requests failed (${share}), more than the accepted ${(maxErrorShare * 100).toFixed(1)} %`,
  };
}
