import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { ApiError } from './errors.js';
import type { AppEnv } from './types.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Whether the request carries `Authorization: Bearer <expected>`, compared in constant time. */
export function hasBearerToken(c: Context, expected: string): boolean {
  const header = c.req.header('authorization') ?? '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : '';
  return token !== '' && timingSafeEqual(digest(token), digest(expected));
}

/** Whether the request carries `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. */
export function hasAdminToken(c: Context<AppEnv>): boolean {
  return hasBearerToken(c, c.var.deps.config.ADMIN_TOKEN);
}

/** Admin routes: 401 with `WWW-Authenticate: Bearer` without the admin token. */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (!hasAdminToken(c)) {
    c.header('WWW-Authenticate', 'Bearer');
    throw new ApiError(401, 'Unauthorized', 'An admin bearer token is required.');
  }
  await next();
});
