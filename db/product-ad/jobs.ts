import type { Queryable, Tx } from '../client.js';
import type { JobStore } from '../jobs/store.js';
import type { JobRef } from '../jobs/types.js';
import type { AdScript } from '../../providers/ports.js';
import { PIPELINE, type AdRequest, type Stage } from '../../workflows/product-ad/contract.js';

/** The product-ad product's rows beside the engine's job (product_ad_jobs). */

export interface ProductAdDraft {
  job: JobRef;
  workflowId: string;
  /** The started workflow's first run id. */
  originRunId: string;
  accountId: string | null;
  request: AdRequest;
  /** Each stage's share of overall progress (sums to 1). */
  stageWeights: Record<Stage, number>;
}

/** Creates the job (engine row, first event, the product photo as an asset) and its form, in the caller's transaction. */
export async function createProductAdJob(store: JobStore, tx: Tx, draft: ProductAdDraft): Promise<void> {
  const { request } = draft;
  await store.createStarted(tx, {
    job: draft.job,
    pipeline: PIPELINE,
    owner: draft.accountId,
    status: 'pending',
    workflowId: draft.workflowId,
    originRunId: draft.originRunId,
    ...(request.productImageKey ? { assets: [{ kind: 'product_image', key: request.productImageKey }] } : {}),
  });
  await tx`
    insert into product_ad_jobs ${tx({
      job_id: draft.job.id,
      account_id: draft.accountId,
      product_name: request.productName,
      style: request.style,
      cta_text: request.ctaText,
      aspect_ratio: request.aspectRatio,
      product_image_key: request.productImageKey,
      stage_weights: tx.json(draft.stageWeights),
    })}`;
}

/** Keeps script_gen's answer with the job (repeating it is harmless). */
export async function saveScript(sql: Queryable, jobId: number, script: AdScript): Promise<void> {
  await sql`update product_ad_jobs set script = ${sql.json(script as unknown as Parameters<typeof sql.json>[0])} where job_id = ${jobId}`;
}

export interface ProductAdRow {
  productName: string;
  style: string;
  ctaText: string;
  aspectRatio: string;
  script: AdScript | null;
  stageWeights: Record<Stage, number>;
}

export async function findProductAd(sql: Queryable, jobId: number): Promise<ProductAdRow | undefined> {
  const [row] = await sql<ProductAdRow[]>`
    select product_name as "productName", style, cta_text as "ctaText", aspect_ratio as "aspectRatio", script, stage_weights as "stageWeights"
    from product_ad_jobs where job_id = ${jobId}`;
  return row;
}
