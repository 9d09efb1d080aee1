/** Types for overlay.mjs (plain JS so that the local stack runs it without a build). */
export interface CollectorEnvOptions {
  otlpGrpc: string;
  otlpHttp: string;
  health: string;
  metricsHost?: string;
  metricsPort: number;
  fileStorageDir: string;
  prometheusOtlp: string;
  tempoOtlp: string;
  lokiOtlp: string;
}
export declare function collectorEnv(options: CollectorEnvOptions): Record<string, string>;

export declare function composeCommand(
  service: string,
  options?: { repoRoot?: string; env?: NodeJS.ProcessEnv },
): string[];

interface FlagOptions {
  configFile: string;
  dataDir: string;
  listen: string;
  repoRoot?: string;
  env?: NodeJS.ProcessEnv;
}
export declare function prometheusArgs(options: FlagOptions): string[];
export declare function alertmanagerArgs(options: FlagOptions): string[];
/** Prometheus's environment (LORECHAT_RUNBOOK_BASE_URL, default: docs/ as a file: URL). */
export declare function prometheusEnv(options?: { repoRoot?: string; env?: NodeJS.ProcessEnv }): {
  LORECHAT_RUNBOOK_BASE_URL: string;
};

export declare function writePrometheusOverlay(options: {
  outDir: string;
  jobTargets: Record<string, string[]>;
  alertmanagers: string[];
  scrapeInterval?: string;
  evaluationInterval?: string;
  /** Live alert tests only: rule group intervals and alert `for`s divided by this factor. */
  timeScale?: number;
  repoRoot?: string;
}): { configFile: string; withoutTargets: string[] };

export declare function writeAlertmanagerOverlay(options: {
  outDir: string;
  webhookUrl: string;
  slackApiUrl?: string;
  smtpSmarthost?: string;
  /** Live alert tests only: group_wait, group_interval, repeat_interval divided by this factor. */
  timeScale?: number;
  repoRoot?: string;
}): { configFile: string; secretsDir: string };

export declare function durationMs(text: string): number;
export declare function scaleDuration(text: string, scale: number, minMs?: number): string;
