import type { Sql } from '../../db/client.js';
import { findGenerationJob } from '../../db/generation/jobs.js';
import { videoOfJob } from '../../db/generation/videos.js';
import type { JobRef } from '../../db/jobs/types.js';
import { userVideo } from '../../lib/generation/video-view.js';
import { deliverWebhook } from '../../lib/webhooks/standard-webhooks.js';
import type { Storage } from '../../providers/ports.js';
import { toActivityFailure } from '../../providers/provider-error.js';
import { failureText, type WebhookEvent } from '../../workflows/generation/contract.js';
import { Context } from '@temporalio/activity';

export interface WebhookDeps {
  sql: Sql;
  storage: Storage;
  secret: string;
  allowHosts: readonly string[];
  timeoutMs: number;
}

/**
 * Completion webhooks, signed per Standard Webhooks. The body is `{type, timestamp, data}` with
 * `type` `generation.started` or `generation.completed` and `data` the job as the status endpoint
 * shows it, plus the video (completed) or the error (failed). `webhook-id` is the same for every
 * attempt of one event, so receivers can drop repeats.
 */
export function createWebhookActivities(deps: WebhookDeps) {
  return {
    async sendWebhook(input: { job: JobRef; event: WebhookEvent; url: string }): Promise<{ status: number }> {
      const job = await findGenerationJob(deps.sql, input.job.key);
      if (!job) throw new Error(`generation job ${input.job.key} does not exist`);
      const video = job.status === 'completed' ? await videoOfJob(deps.sql, job.id) : undefined;
      const data = {
        job_id: job.key,
        status: job.status,
        generation_type: job.spec.type,
        created_at: job.createdAt.toISOString(),
        updated_at: job.updatedAt.toISOString(),
        ...(job.status === 'failed' || job.status === 'cancelled' ? { error: failureText(job.status, job.errorMessage) } : {}),
        ...(video ? { video: await userVideo(video, deps.storage) } : {}),
      };
      const payload = { type: `generation.${input.event === 'start' ? 'started' : 'completed'}`, timestamp: new Date().toISOString(), data };
      try {
        return await deliverWebhook({
          url: input.url,
          id: `msg_${job.key}_${input.event}`,
          payload,
          secret: deps.secret,
          allowHosts: deps.allowHosts,
          timeoutMs: deps.timeoutMs,
          signal: Context.current().cancellationSignal,
        });
      } catch (error) {
        throw toActivityFailure(error);
      }
    },
  };
}
