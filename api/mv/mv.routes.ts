import { createRoute, type z } from '@hono/zod-openapi';
import { errorResponses } from '../lib/errors.js';
import {
  CharacterBodySchema,
  CharacterReferenceSchema,
  FlavorQuerySchema,
  FlavorsSchema,
  JobParamSchema,
  MvJobSchema,
  PendingSchema,
  ScenesBodySchema,
  ScenesSchema,
  VideoBodySchema,
  VideoSchema,
} from './schemas.js';

/**
 * The MV endpoints (the seed's "Music Video (MV) Pipeline"), open like the seed. Each POST runs a
 * job and answers its result, or 202 with a status URL when it outlives MV_SYNC_TIMEOUT_SECONDS.
 */

const tags = ['MV'];

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });
const answer = <T>(description: string, schema: T) => ({ description, content: { 'application/json': { schema } } });
const pending = answer('Still running after MV_SYNC_TIMEOUT_SECONDS: poll status_url', PendingSchema);

export const flavors = createRoute({
  method: 'get',
  path: '/api/mv/config-flavors',
  operationId: 'listMvConfigFlavors',
  security: [],
  tags,
  summary: 'The config flavors (folders under MV_CONFIG_DIR, read afresh) and the default one; broken ones with the reason',
  responses: { 200: answer('The flavors', FlavorsSchema), ...errorResponses(400) },
});

/** A POST that runs one MV job: the flavor in the query, `body` in, `result` out (or 202). */
function jobRoute<P extends string, B extends z.ZodType, R extends z.ZodType>(path: P, operationId: string, summary: string, body: B, result: R) {
  return createRoute({
    method: 'post',
    path,
    operationId,
    security: [],
    tags,
    summary,
    request: { query: FlavorQuerySchema, body: json(body) },
    responses: { 200: answer('The result', result), 202: pending, ...errorResponses(400, 404, 422, 502, 503) },
  });
}

export const scenes = jobRoute('/api/mv/scenes', 'planMvScenes', 'Plans a music video’s scenes from a concept, with the flavor’s templates and scene length', ScenesBodySchema, ScenesSchema);

export const characterReference = jobRoute(
  '/api/mv/character-reference',
  'generateMvCharacterReference',
  'Generates a character reference image (JPEG, the flavor’s size), stored under mv/outputs/character_reference/',
  CharacterBodySchema,
  CharacterReferenceSchema,
);

export const video = jobRoute(
  '/api/mv/video',
  'generateMvSceneVideo',
  'Generates a scene clip (the flavor’s frame), animating the first reference image when given; stored under mv/projects/<project>/scenes/',
  VideoBodySchema,
  VideoSchema,
);

export const job = createRoute({
  method: 'get',
  path: '/api/mv/jobs/{job_id}',
  operationId: 'getMvJob',
  security: [],
  tags,
  summary: 'An MV job’s status and, when completed, the result its request would have answered',
  request: { params: JobParamSchema },
  responses: { 200: answer('The job', MvJobSchema), ...errorResponses(400, 404) },
});
