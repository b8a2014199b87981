import { createProductAdJob } from '../../db/product-ad/jobs.js';
import { storageKey } from '../../providers/storage/keys.js';
import type { AspectRatio } from '../../workflows/generation/contract.js';
import { productAdWorkflow } from '../../workflows/product-ad/product-ad.js';
import { PIPELINE, productAdWorkflowId, type ProductAdInput } from '../../workflows/product-ad/contract.js';
import { acceptPhoto } from '../lib/photo-upload.js';
import { jobStartOptions, startJobWorkflow } from '../lib/start-job.js';
import type { AppDeps } from '../lib/types.js';
import { measuredStageWeights } from './stage-weights.js';

export interface AdForm {
  productName: string;
  style: string;
  ctaText: string;
  aspectRatio: AspectRatio;
  productImage: Blob | undefined;
}

/**
 * Accepts a product-ad request: the photo is checked by content and kept as an upright JPEG (415/422
 * otherwise, nothing created), then the job is written and its workflow started in one transaction
 * (the workflow waits for it: kit.accepted()). Returns the job's key.
 */
export async function acceptProductAd(deps: AppDeps, form: AdForm, accountId: string | null): Promise<string> {
  const photo = form.productImage ? await acceptPhoto(form.productImage) : undefined;
  const job = await deps.store.reserve();
  let productImageKey: string | null = null;
  if (photo) {
    productImageKey = storageKey({ job: job.id }, 'product', 'jpg');
    await deps.storage.putBuffer(productImageKey, photo.jpeg, 'image/jpeg');
  }
  const workflowId = productAdWorkflowId(job.key);
  const input: ProductAdInput = {
    job,
    request: { productName: form.productName, style: form.style, ctaText: form.ctaText, aspectRatio: form.aspectRatio, productImageKey },
    tuning: { heartbeatTimeoutMs: deps.config.ACTIVITY_HEARTBEAT_TIMEOUT_SECONDS * 1000 },
  };
  const options = jobStartOptions(deps, { pipeline: PIPELINE, workflowId, input, status: 'pending' });

  const stageWeights = await measuredStageWeights(deps.sql);
  const accepted = deps.sql.begin(async (tx) => {
    const handle = await startJobWorkflow(deps, tx, job.id, () => deps.temporal.workflow.start(productAdWorkflow, options));
    await createProductAdJob(deps.store, tx, { job, workflowId, originRunId: handle.firstExecutionRunId, accountId, request: input.request, stageWeights });
  });
  // A refused request leaves nothing behind: not even the photo.
  await accepted.catch(async (error: unknown) => {
    if (productImageKey) await deps.storage.delete(productImageKey).catch(() => undefined);
    throw error;
  });
  return job.key;
}
