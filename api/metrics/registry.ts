import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** How a live event stream reaches its client. */
export type StreamTransport = 'sse' | 'websocket';

/** Seconds: from a fast API answer to a slow upload's acceptance. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds: from a photo check to a long render or a provider's queue. */
const STAGE_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/**
 * One API app's Prometheus series, in a registry of its own (never prom-client's global one, so
 * several apps in one test process keep separate counts). Names and labels are listed in the
 * README's Metrics section.
 */
export interface ApiMetrics {
  registry: Registry;
  /** Requests answered, by method, route pattern (`/api/v1/jobs/:job`, or `unmatched`) and status. */
  httpRequests: Counter<'method' | 'route' | 'status'>;
  /** Seconds from the request to the response's headers (a stream's or download's body is not timed). */
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Jobs created, by pipeline. */
  jobsStarted: Counter<'pipeline'>;
  /** Jobs that reached one of their pipeline's terminal statuses (or `failed`), by that status. */
  jobsEnded: Counter<'pipeline' | 'outcome'>;
  /** Seconds a job spent in a stage, observed when it left it (`outcome`: `advanced` or the status it ended in). */
  stageDuration: Histogram<'pipeline' | 'stage' | 'outcome'>;
  /** Live event-stream connections. */
  streams: Gauge<'transport'>;
  /** Counts one live stream until the returned release is called (once; later calls do nothing). */
  openStream(transport: StreamTransport): () => void;
  /** The exposition text, and its content type. */
  scrape(): Promise<{ body: string; contentType: string }>;
}

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  const registers = [registry];
  const httpLabels = ['method', 'route', 'status'] as const;
  const streams = new Gauge({ name: 'reelflow_event_stream_connections', help: 'Live job event streams (SSE and WebSocket)', labelNames: ['transport'] as const, registers });
  for (const transport of ['sse', 'websocket'] as const) streams.set({ transport }, 0);
  let processMetrics = false;

  return {
    registry,
    httpRequests: new Counter({ name: 'reelflow_http_requests_total', help: 'HTTP requests answered, by route pattern', labelNames: httpLabels, registers }),
    httpDuration: new Histogram({ name: 'reelflow_http_request_duration_seconds', help: 'Time to the response headers, in seconds', labelNames: httpLabels, buckets: HTTP_BUCKETS, registers }),
    jobsStarted: new Counter({ name: 'reelflow_jobs_started_total', help: 'Jobs created', labelNames: ['pipeline'] as const, registers }),
    jobsEnded: new Counter({ name: 'reelflow_jobs_ended_total', help: 'Jobs that reached a terminal status, by that status', labelNames: ['pipeline', 'outcome'] as const, registers }),
    stageDuration: new Histogram({ name: 'reelflow_stage_duration_seconds', help: 'Time a job spent in a stage, in seconds', labelNames: ['pipeline', 'stage', 'outcome'] as const, buckets: STAGE_BUCKETS, registers }),
    streams,
    openStream(transport) {
      streams.inc({ transport });
      let open = true;
      return () => {
        if (!open) return;
        open = false;
        streams.dec({ transport });
      };
    },
    async scrape() {
      // Registered at the first scrape: the event-loop monitor runs a timer, which apps that are
      // never scraped (most test apps) should not carry. Process counters are cumulative anyway.
      if (!processMetrics) {
        collectDefaultMetrics({ register: registry });
        processMetrics = true;
      }
      return { body: await registry.metrics(), contentType: registry.contentType };
    },
  };
}
