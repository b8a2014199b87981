import { createMiddleware } from 'hono/factory';
import { ApiError } from './errors.js';
import type { AppEnv } from './types.js';

const decoded = (text: string) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/**
 * PostgreSQL text cannot hold U+0000, and no field of ours means one: a path or query carrying it
 * is refused up front (400) instead of failing in a query (500). Bodies are checked by their schemas.
 */
export const refuseNulCharacters = createMiddleware<AppEnv>(async (c, next) => {
  const values = [decoded(c.req.path), ...Object.entries(c.req.queries()).flatMap(([name, list]) => [name, ...list])];
  if (values.some((value) => value.includes('\u0000'))) {
    throw new ApiError(400, 'ValidationError', 'The path or query contains a NUL character (%00), which no field accepts.');
  }
  await next();
});
