import { createMiddleware } from 'hono/factory';
import { recordFirstUse } from '../../db/request-signatures.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyRequestSignature } from '../../lib/auth/request-signature.js';
import { ApiError } from '../lib/errors.js';
import type { AppEnv } from '../lib/types.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The feed's request signing (lib/auth/request-signature.ts has the canonical string): when
 * REQUEST_SIGNATURE_SECRET is set, every POST, PUT, PATCH and DELETE must carry
 * X-InstaVeo-Timestamp and X-InstaVeo-Signature over its method, path with query (base path
 * included) and raw body, within REQUEST_SIGNATURE_TTL_SECONDS, used once (request_signatures, so
 * across API processes). Otherwise 401 in the error shape with details.problem: missing, malformed,
 * expired, future, bad_signature or replayed. GET, HEAD and OPTIONS pass, as does everything when
 * no secret is configured.
 *
 * The body is read whole here (within the app's body limits); Hono keeps it, so the route's own
 * c.req.json() or validator reads the same bytes. A route that streams c.req.raw cannot sit behind it.
 */
export const requestSigning = createMiddleware<AppEnv>(async (c, next) => {
  const { config, sql } = c.var.deps;
  const secret = config.REQUEST_SIGNATURE_SECRET;
  if (secret === undefined || !MUTATING.has(c.req.method)) return next();

  const url = new URL(c.req.url);
  const check = await verifyRequestSignature(
    {
      timestamp: c.req.header(TIMESTAMP_HEADER),
      signature: c.req.header(SIGNATURE_HEADER),
      method: c.req.method,
      pathWithQuery: url.pathname + url.search,
      body: new Uint8Array(await c.req.arrayBuffer()),
    },
    { secret, ttlSeconds: config.REQUEST_SIGNATURE_TTL_SECONDS, firstUse: (signature, expiresAt) => recordFirstUse(sql, signature, expiresAt) },
  );
  if (!check.ok) {
    c.var.logger.warn({ problem: check.problem, method: c.req.method, path: c.req.path }, 'request signature refused');
    throw new ApiError(401, 'Unauthorized', check.message, { problem: check.problem });
  }
  await next();
});
