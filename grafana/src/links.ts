/**
 * Data links from a panel to the matching Tempo (TraceQL) or Loki (LogQL) query in Explore.
 *
 * Grafana's field-config data link has an `internal` form, {datasourceUid, query}, that opens
 * the query in Explore; Grafana interpolates dashboard variables and `${__field.labels.x}` in
 * every string of the query first (getLinksSupplier -> mapInternalLinkToExplore in
 * grafana/packages/grafana-data/src/field/fieldOverrides.ts and utils/dataLinks.ts). The SDK
 * (v0.0.21) types panel data links as dashboard links, which lack `internal`, so these builders
 * produce Grafana's DataLink shape directly.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { DashboardLink } from '@grafana/grafana-foundation-sdk/dashboard';
import { LOKI, TEMPO } from './datasources.js';
import { LINK_LOG_STREAM, LINK_TRACE_SCOPE } from './scope.js';

/** Grafana's DataLink (packages/grafana-data/src/types/dataLink.ts), the internal form. */
export interface ExploreDataLink {
  title: string;
  url: '';
  internal: {
    datasourceUid: string;
    datasourceName: string;
    query: TempoLinkQuery | LokiLinkQuery;
  };
}

interface TempoLinkQuery {
  refId: 'A';
  datasource: typeof TEMPO;
  queryType: 'traceql';
  query: string;
  limit: number;
  tableType: 'traces';
}

interface LokiLinkQuery {
  refId: 'A';
  datasource: typeof LOKI;
  expr: string;
  queryType: 'range';
}

class ExploreLinkBuilder implements cog.Builder<DashboardLink> {
  constructor(private readonly link: ExploreDataLink) {}

  build(): DashboardLink {
    // Grafana reads panel links as DataLink; see the file comment.
    return this.link as unknown as DashboardLink;
  }
}

export type DataLinkBuilder = ExploreLinkBuilder;

/**
 * A link to a TraceQL search. `filter` is the span condition; the dashboard's service and
 * environment are added, so the traces are those the panel's series came from.
 * Example: `traces('Slow turns', 'name =~ "invoke_workflow.*" && duration > 2s')`.
 */
export function traces(title: string, filter: string, limit = 20): DataLinkBuilder {
  return new ExploreLinkBuilder({
    title,
    url: '',
    internal: {
      datasourceUid: TEMPO.uid,
      datasourceName: 'Tempo',
      query: {
        refId: 'A',
        datasource: TEMPO,
        queryType: 'traceql',
        query: `{ ${LINK_TRACE_SCOPE} && ${filter} }`,
        limit,
        tableType: 'traces',
      },
    },
  });
}

/**
 * A link to LoreChat's log events in Loki: `pipeline` follows the stream selector of the
 * dashboard's services. Example: `logs('Errors', '| json | context_error_type != ""')`.
 */
export function logs(title: string, pipeline: string): DataLinkBuilder {
  return new ExploreLinkBuilder({
    title,
    url: '',
    internal: {
      datasourceUid: LOKI.uid,
      datasourceName: 'Loki',
      query: {
        refId: 'A',
        datasource: LOKI,
        expr: `${LINK_LOG_STREAM} ${pipeline}`,
        queryType: 'range',
      },
    },
  });
}
