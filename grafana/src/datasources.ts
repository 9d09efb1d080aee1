/**
 * Grafana datasource references used by the dashboards. The uids are the ones provisioned in
 * grafana/provisioning/datasources/datasources.yaml (a unit test keeps the two in step).
 */
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';

export const PROMETHEUS = {
  type: 'prometheus',
  uid: 'prometheus',
} as const satisfies DataSourceRef;
export const LOKI = { type: 'loki', uid: 'loki' } as const satisfies DataSourceRef;
export const TEMPO = { type: 'tempo', uid: 'tempo' } as const satisfies DataSourceRef;

/** Query language of each datasource a dashboard query goes to. */
export const LANGUAGE_OF = {
  prometheus: 'promql',
  loki: 'logql',
  tempo: 'traceql',
} as const;

export type QueryDatasourceUid = keyof typeof LANGUAGE_OF;
export type QueryLanguage = (typeof LANGUAGE_OF)[QueryDatasourceUid];
