import type { RouteHandler } from '@hono/zod-openapi';
import { findJob } from '../../db/jobs/queries.js';
import { characterImageRequest, styledScenePrompt } from '../../lib/mv/flavor-schema.js';
import type { GenerationSpec } from '../../workflows/generation/contract.js';
import { PIPELINE } from '../../workflows/mv/contract.js';
import { ApiError } from '../lib/errors.js';
import type { AppEnv } from '../lib/types.js';
import { flavorCatalog, requestedFlavor } from './flavor-catalog.js';
import { jobBody, readCharacterReference, readScenes, readVideo } from './job-view.js';
import type * as routes from './mv.routes.js';
import { clipSeconds } from './schemas.js';
import { assertReferenceImages, runMvJob } from './submission.js';

export const flavors: RouteHandler<typeof routes.flavors, AppEnv> = async (c) => {
  const listing = await flavorCatalog(c.var.deps.config).list();
  return c.json({ flavors: listing.flavors, default_flavor: listing.defaultFlavor, broken: listing.broken }, 200);
};

export const scenes: RouteHandler<typeof routes.scenes, AppEnv> = async (c) => {
  const { deps } = c.var;
  const body = c.req.valid('json');
  const flavor = await requestedFlavor(deps.config, c.req.valid('query').config_flavor);
  const numScenes = body.num_scenes ?? flavor.parameters.default_num_scenes;
  const settled = await runMvJob(c, { kind: 'scenes', flavor, conceptPrompt: body.concept_prompt, numScenes }, body, readScenes);
  return settled.status === 200 ? c.json(settled.body, 200) : c.json(settled.body, 202);
};

export const characterReference: RouteHandler<typeof routes.characterReference, AppEnv> = async (c) => {
  const { deps } = c.var;
  const body = c.req.valid('json');
  const flavor = await requestedFlavor(deps.config, c.req.valid('query').config_flavor);
  const image = characterImageRequest(flavor, body.character_description);
  const settled = await runMvJob(c, { kind: 'character_reference', flavor: flavor.name, image }, body, readCharacterReference);
  return settled.status === 200 ? c.json(settled.body, 200) : c.json(settled.body, 202);
};

export const video: RouteHandler<typeof routes.video, AppEnv> = async (c) => {
  const { deps } = c.var;
  const body = c.req.valid('json');
  const flavor = await requestedFlavor(deps.config, c.req.valid('query').config_flavor);
  const referenceKeys = [...new Set(body.reference_image_s3_keys)];
  await assertReferenceImages(deps, referenceKeys);
  const spec: GenerationSpec = {
    type: referenceKeys.length > 0 ? 'image_to_video' : 'text_to_video',
    // The flavor's look, once, as every planned scene has it.
    prompt: styledScenePrompt(flavor, body.prompt),
    durationSeconds: clipSeconds(body.duration ?? flavor.parameters.scene_duration),
    resolution: flavor.parameters.video.resolution,
    aspectRatio: flavor.parameters.video.aspect_ratio,
    cameraFixed: false,
    referencePerson: null,
    sourceImageUrl: null,
  };
  const settled = await runMvJob(c, { kind: 'video', flavor: flavor.name, spec, referenceKeys, project: body.project_id ?? null }, body, readVideo);
  return settled.status === 200 ? c.json(settled.body, 200) : c.json(settled.body, 202);
};

export const job: RouteHandler<typeof routes.job, AppEnv> = async (c) => {
  const { job_id: key } = c.req.valid('param');
  const row = await findJob(c.var.deps.sql, key);
  if (!row || row.pipeline !== PIPELINE) throw new ApiError(404, 'JobNotFound', `MV job '${key}' not found`);
  return c.json(await jobBody(c.var.deps, row), 200);
};
