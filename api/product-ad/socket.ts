import { upgradeWebSocket } from '@hono/node-server';
import type { Context } from 'hono';
import type { WSEvents } from 'hono/ws';
import { findJob } from '../../db/jobs/queries.js';
import type { JobEvent, JobRow } from '../../db/jobs/types.js';
import { FAILED } from '../../workflows/engine/contract.js';
import { PIPELINE, TERMINAL_STATUSES, type Stage } from '../../workflows/product-ad/contract.js';
import { jobEventStream, KEEPALIVE } from '../jobs/job-stream.js';
import { answerPing } from '../jobs/stream.handlers.js';
import type { AppEnv } from '../lib/types.js';
import { findProductAd } from '../../db/product-ad/jobs.js';
import { overallProgress } from './job-view.js';
import { DEFAULT_STAGE_WEIGHTS } from './stage-weights.js';
import { UUID_PATTERN } from '../lib/fields.js';

/** RFC 6455 close codes: done, refused by policy, server error. */
const CLOSE_NORMAL = 1000;
const CLOSE_POLICY = 1008;
const CLOSE_ERROR = 1011;

const STAGE_MESSAGES: Record<Stage, string> = {
  script_gen: 'Writing the ad script...',
  voice_gen: 'Recording the voice-over...',
  video_gen: 'Generating video scenes...',
  compositing: 'Compositing the final video...',
};

/** Open sockets per job key in this process: what GET /ws/health counts. */
const open = new Map<string, number>();

export function socketHealth() {
  let total = 0;
  for (const count of open.values()) total += count;
  return { status: 'healthy', websocket_server: 'running', active_jobs: open.size, total_connections: total };
}

/** The seed's progress message for one event; `floor` keeps the overall progress from going back within a connection. */
function message(job: JobRow, weights: Record<Stage, number>, event: Pick<JobEvent, 'status' | 'stage' | 'progress' | 'detail' | 'createdAt'>, floor: number) {
  const stage = event.stage as Stage | null;
  const progress = Math.max(floor, overallProgress({ status: event.status, stage, progress: event.progress ?? 0 }, weights));
  const text =
    event.status === 'completed'
      ? 'Your video is ready'
      : event.status === FAILED
        ? `Failed: ${String(event.detail?.message ?? job.errorMessage ?? 'the job failed')}`
        : event.status === 'cancelled'
          ? 'The job was cancelled'
          : stage
            ? STAGE_MESSAGES[stage]
            : 'Waiting in the queue...';
  return { job_id: job.key, stage, progress, status: event.status, message: text, timestamp: event.createdAt.toISOString() };
}

function follow(c: Context<AppEnv>, job: JobRow): WSEvents {
  const { deps, logger } = c.var;
  const aborted = new AbortController();
  let counted = false;
  let releaseStream = () => {};
  const release = () => {
    aborted.abort();
    releaseStream();
    if (!counted) return;
    counted = false;
    const left = (open.get(job.key) ?? 1) - 1;
    if (left > 0) open.set(job.key, left);
    else open.delete(job.key);
  };
  return {
    onOpen(_event, ws) {
      counted = true;
      releaseStream = deps.metrics.openStream('websocket');
      open.set(job.key, (open.get(job.key) ?? 0) + 1);
      const send = (body: object) => {
        if (ws.readyState === 1) ws.send(JSON.stringify(body));
      };
      void (async () => {
        try {
          // The current state at once, then every event after it.
          const [now, ad] = await Promise.all([findJob(deps.sql, job.id), findProductAd(deps.sql, job.id)]);
          const weights = ad?.stageWeights ?? DEFAULT_STAGE_WEIGHTS;
          if (!now) throw new Error(`job ${job.id} vanished`);
          let floor = overallProgress(now, weights);
          send(message(now, weights, { status: now.status, stage: now.stage, progress: now.progress, detail: null, createdAt: now.updatedAt }, floor));
          const terminalStatuses = [...TERMINAL_STATUSES, FAILED];
          if (!terminalStatuses.includes(now.status as (typeof terminalStatuses)[number])) {
            for await (const item of jobEventStream(deps, job.id, { since: now.eventSeq, terminalStatuses, signal: aborted.signal })) {
              if (item === KEEPALIVE) continue;
              const body = message(now, weights, item, floor);
              floor = body.progress;
              send(body);
            }
          }
          if (!aborted.signal.aborted) ws.close(CLOSE_NORMAL, 'job finished');
        } catch (error) {
          logger.error({ err: error, jobId: job.id }, 'product-ad socket failed');
          ws.close(CLOSE_ERROR, 'internal error; reconnect');
        }
      })();
    },
    onMessage: answerPing,
    onClose: release,
    onError: release,
  };
}

/** WS /ws/jobs/{job_id}: an unknown or malformed job is accepted only to be closed with 1008 (browsers cannot read a refused handshake). */
export async function jobSocket(c: Context<AppEnv>) {
  const key = c.req.param('job_id') ?? '';
  const job = UUID_PATTERN.test(key) ? await findJob(c.var.deps.sql, key) : undefined;
  if (!job || job.pipeline !== PIPELINE) {
    return upgradeWebSocket(c, { onOpen: (_event, ws) => ws.close(CLOSE_POLICY, `Job with ID '${key.slice(0, 40)}' not found`) });
  }
  return upgradeWebSocket(c, follow(c, job));
}
