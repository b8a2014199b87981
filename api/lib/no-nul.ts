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
 * Whether any string in a parsed JSON value (keys included) holds U+0000. Walks with a list, not
 * recursion: a body of 30,000 nested arrays fits the size limit and would overflow the stack (500).
 */
function holdsNul(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key.includes('\u0000')) return true;
        pending.push(inner);
      }
    }
  }
  return false;
}

/**
 * PostgreSQL text cannot hold U+0000, and no field of ours means one: a path, query or JSON body
 * carrying it is refused up front (400) instead of failing in a query (500) after work has begun.
 * Runs after the body limit; Hono caches the body read here for the route's own validation.
 * Multipart bodies are checked by their schemas.
 */
export const refuseNulCharacters = createMiddleware<AppEnv>(async (c, next) => {
  const values = [decoded(c.req.path), ...Object.entries(c.req.queries()).flatMap(([name, list]) => [name, ...list])];
  if (values.some((value) => value.includes('\u0000'))) {
    throw new ApiError(400, 'ValidationError', 'The path or query contains a NUL character (%00), which no field accepts.');
  }
  if (/^application\/(.+\+)?json/i.test(c.req.header('content-type') ?? '')) {
    let body: unknown;
    try {
      // As bytes: a route that verifies a signature over the raw body (WhatsApp) gets them unchanged from the cache.
      body = JSON.parse(new TextDecoder().decode(await c.req.arrayBuffer()));
    } catch {
      body = undefined; // not JSON: the route's validation says so
    }
    if (holdsNul(body)) throw new ApiError(400, 'ValidationError', 'The JSON body contains a NUL character (\\u0000), which no field accepts.');
  }
  await next();
});
