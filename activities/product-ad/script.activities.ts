import type { Sql } from '../../db/client.js';
import type { JobStore } from '../../db/jobs/store.js';
import { saveScript } from '../../db/product-ad/jobs.js';
import type { AdScript, TextWriter, TokenUsage } from '../../providers/ports.js';
import { toActivityFailure } from '../../providers/provider-error.js';
import type { AdRequest } from '../../workflows/product-ad/contract.js';
import { currentWriter, refuseForeignWrites, type JobCall } from '../engine/job.activities.js';
import { Context } from '@temporalio/activity';

export interface WrittenScript {
  script: AdScript;
  /** Which writer: `local` is the template writer, not a model. */
  writer: TextWriter['name'];
  model: string;
  usage: TokenUsage;
  costUsd: number;
}

/** script_gen: the ad script from the form, through the configured TextWriter. */
export function createScriptActivities(deps: { sql: Sql; store: JobStore; writer: TextWriter; usdPerMillionTokens: { input: number; output: number } }) {
  return {
    async writeAdScript(input: { jobId: number; request: AdRequest; targetSeconds: number }): Promise<WrittenScript> {
      try {
        const { request } = input;
        const answer = await deps.writer.writeAdScript(
          { productName: request.productName, style: request.style, ctaText: request.ctaText, hasProductImage: request.productImageKey !== null, targetSeconds: input.targetSeconds },
          Context.current().cancellationSignal,
        );
        const price = deps.usdPerMillionTokens;
        const costUsd = (answer.usage.prompt_tokens * price.input + answer.usage.completion_tokens * price.output) / 1_000_000;
        return { script: answer.value, writer: deps.writer.name, model: answer.model, usage: answer.usage, costUsd };
      } catch (error) {
        throw toActivityFailure(error);
      }
    },

    /** Keeps the script with the job, for its view. Only the job's own workflow may. */
    async recordScript(call: JobCall & { script: AdScript }): Promise<void> {
      await refuseForeignWrites(() => deps.store.checkWriter(call.job, currentWriter(call.originRunId)));
      await saveScript(deps.sql, call.job.id, call.script);
    },
  };
}
