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
    `  injected     ${s.injected.slow} slow, ${s.injected.fail} failing`,
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
  return lines.join('\n');
}
