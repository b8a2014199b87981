import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../lib/errors.js';

export const MediaQuerySchema = z.object({
  expires: z.coerce.number().int().positive().openapi({ description: 'Unix seconds after which the link stops working', example: 1767225600 }),
  signature: z.string().regex(/^[0-9a-f]{64}$/).openapi({ description: 'Hex HMAC-SHA256 of "<key>\\n<expires>" with MEDIA_SIGNING_KEY' }),
});

const binary = z.string().openapi({ format: 'binary' });
const media = { 'video/mp4': { schema: binary }, 'image/jpeg': { schema: binary } };

/**
 * Documentation of the media route. The key spans several path segments (jobs/42/final-….mp4),
 * which an OpenAPI path parameter cannot, so media.index.ts routes it with a wildcard.
 */
export const getMedia = createRoute({
  method: 'get',
  path: '/media/{key}',
  operationId: 'getMedia',
  security: [],
  tags: ['Media'],
  summary: 'A stored video or image, through the signed link the job hands out',
  description:
    'Served only with STORAGE_BACKEND=local (S3 links point at the bucket; this route then answers 404). ' +
    'Honours single byte ranges (206 Partial Content), as browsers and WhatsApp fetch videos that way.',
  request: {
    params: z.object({ key: z.string().openapi({ example: 'jobs/42/final-1b4e28ba-2fa1-11d2-883f-0016d3cca427.mp4' }) }),
    query: MediaQuerySchema,
  },
  responses: {
    200: { description: 'The whole file', content: media },
    206: { description: 'The requested byte range', content: media },
    ...errorResponses(403, 404, 416),
  },
});
