import { createRoute, z } from '@hono/zod-openapi';
import { PHOTO_LABELS } from '../../providers/ports.js';
import { errorResponses } from '../lib/errors.js';

export const CheckPhotoFormSchema = z.object({
  photo: z.instanceof(Blob, { error: 'a photo file is required' }).openapi({
    type: 'string',
    format: 'binary',
    description: 'The selfie: JPEG, PNG or WebP, at most 10 MB. The type is read from the content, not from the file name or its Content-Type.',
  }),
});

export const PhotoCheckSchema = z
  .object({
    valid: z.boolean().openapi({ description: 'True only for APPROVED' }),
    message: z.string().openapi({ example: 'Photo validated successfully!' }),
    label: z.enum(PHOTO_LABELS),
    usage: z.object({
      prompt_tokens: z.number().int().openapi({ example: 1234 }),
      completion_tokens: z.number().int().openapi({ example: 1 }),
      total_tokens: z.number().int().openapi({ example: 1235 }),
    }),
    reason: z.string().openapi({ description: 'Why, in words the user can act on' }),
    validator: z.enum(['groq', 'local']).openapi({ description: 'groq: AI review; local: offline checks of the image only (development)' }),
  })
  .openapi('PhotoCheck');

export const checkPhoto = createRoute({
  method: 'post',
  path: '/api/v1/photo-validation/check_photo',
  operationId: 'checkCloseupPhoto',
  security: [],
  tags: ['Photo validation'],
  summary: 'Checks a selfie against the campaign photo rules before the form is submitted',
  description:
    'A rejected photo is a 200 with `valid: false`. A photo that cannot be taken at all answers in the error shape with ' +
    '`details.code`: 413 PHOTO_TOO_LARGE, 415 PHOTO_UNSUPPORTED_TYPE, 422 PHOTO_CORRUPT / PHOTO_TOO_MANY_PIXELS / PHOTO_EMPTY. ' +
    'When the validation provider is briefly unavailable the answer is 503 with a Retry-After header.',
  request: {
    body: { required: true, content: { 'multipart/form-data': { schema: CheckPhotoFormSchema } } },
  },
  responses: {
    200: { description: 'The verdict', content: { 'application/json': { schema: PhotoCheckSchema } } },
    ...errorResponses(400, 413, 415, 422, 502, 503),
  },
});
