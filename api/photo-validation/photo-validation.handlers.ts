import type { RouteHandler } from '@hono/zod-openapi';
import { ProviderError } from '../../providers/provider-error.js';
import type { PhotoVerdict } from '../../providers/ports.js';
import { ApiError } from '../lib/errors.js';
import { acceptPhoto } from '../lib/photo-upload.js';
import type { AppEnv } from '../lib/types.js';
import type { checkPhoto as checkPhotoRoute } from './photo-validation.routes.js';

/** When the provider gives no retry-after. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;

export const checkPhoto: RouteHandler<typeof checkPhotoRoute, AppEnv> = async (c) => {
  const { photo } = c.req.valid('form');
  const intake = await acceptPhoto(photo);

  let verdict: PhotoVerdict;
  try {
    verdict = await c.var.deps.photoValidator.validate(intake.jpeg, c.req.raw.signal);
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    if (error.retryable) {
      c.var.logger.warn({ code: error.code, err: error }, 'photo validation provider unavailable');
      const seconds = Math.max(1, Math.ceil((error.retryAfterMs ?? DEFAULT_RETRY_AFTER_SECONDS * 1000) / 1000));
      c.header('Retry-After', String(seconds));
      throw new ApiError(503, 'ServiceUnavailable', `Photo validation is busy right now. Please try again in ${seconds} s.`, {
        code: error.code,
        retry_after_seconds: seconds,
      });
    }
    // A refused key or a retired model: ours to fix, not the user's; the log says which.
    c.var.logger.error({ code: error.code, err: error }, 'photo validation provider refused the request');
    throw new ApiError(502, 'BadGateway', 'Photo validation is unavailable right now. Please try again later.', { code: error.code });
  }

  const valid = verdict.label === 'APPROVED';
  return c.json(
    {
      valid,
      message: valid ? 'Photo validated successfully!' : `Photo validation failed. ${verdict.reason}`,
      label: verdict.label,
      usage: verdict.usage,
      reason: verdict.reason,
      validator: verdict.validator,
    },
    200,
  );
};
