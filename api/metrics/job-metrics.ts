import { FAILED } from '../../workflows/engine/contract.js';
import type { AppDeps } from '../lib/types.js';
import { transitionOf, type StatusEvent } from './job-transitions.js';

/**
 * Counts jobs started and ended and times their stages from the job event hub: every pipeline's
 * transitions, whichever process wrote them (worker or API), in this one place. Each status
 * event's notification reads the job's status events up to it (one query; progress events read
 * nothing more) and feeds transitionOf. Notifications are handled one at a time, holding one
 * pool connection at most.
 *
 * Counts what this process heard while it listened, as Prometheus counters do: events committed
 * while it was down or its LISTEN reconnecting are not counted; several API processes each
 * count every job (aggregate with max, not sum). Returns the unsubscribe (deps.hub.close() also ends it).
 */
export function followJobMetrics(deps: Pick<AppDeps, 'hub' | 'sql' | 'metrics' | 'pipelines' | 'logger'>): () => void {
  const { metrics, sql, logger } = deps;
  const terminal = new Map(deps.pipelines.map((pipeline) => [pipeline.name, new Set([...pipeline.terminalStatuses, FAILED])]));
  const isTerminalIn = (pipeline: string) => (status: string) => terminal.get(pipeline)?.has(status) ?? status === FAILED;
  let queue = Promise.resolve();

  async function count(jobId: number, seq: number): Promise<void> {
    const rows = await sql<(StatusEvent & { pipeline: string })[]>`
      select j.pipeline, e.seq, e.status, e.stage, e.created_at as "createdAt"
      from job_events e join jobs j on j.id = e.job_id
      where e.job_id = ${jobId} and e.kind = 'status' and e.seq <= ${seq}
        and exists (select 1 from job_events c where c.job_id = ${jobId} and c.seq = ${seq} and c.kind = 'status')
      order by e.seq`;
    const pipeline = rows[0]?.pipeline;
    if (pipeline === undefined || rows.at(-1)!.seq !== seq) return;
    const transition = transitionOf(rows, isTerminalIn(pipeline));
    if (transition.started) metrics.jobsStarted.inc({ pipeline });
    if (transition.ended) metrics.jobsEnded.inc({ pipeline, outcome: transition.ended });
    if (transition.leftStage) {
      const { stage, seconds, outcome } = transition.leftStage;
      metrics.stageDuration.observe({ pipeline, stage, outcome }, seconds);
    }
  }

  return deps.hub.subscribeAll((jobId, seq) => {
    queue = queue.then(() => count(jobId, seq)).catch((error: unknown) => logger.warn({ err: error, jobId, seq }, 'job metrics could not read the event'));
  });
}
