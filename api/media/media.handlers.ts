import { Readable } from 'node:stream';
import type { Handler } from 'hono';
import { LocalStorage } from '../../providers/storage/local.js';
import { contentTypeOf, isValidStorageKey } from '../../providers/storage/keys.js';
import { checkMediaSignature } from '../../providers/storage/media-signature.js';
import { ApiError } from '../lib/errors.js';
import type { AppEnv } from '../lib/types.js';
import { parseByteRange } from './byte-range.js';
import { MediaQuerySchema } from './media.routes.js';

const notFound = () => new ApiError(404, 'NotFound', 'No such media');

/** Streams a locally stored file to whoever holds an unexpired signed link to it. */
export const serveMedia: Handler<AppEnv> = async (c) => {
  const { storage, config } = c.var.deps;
  if (!(storage instanceof LocalStorage)) throw notFound();

  const key = c.req.param('key') ?? '';
  const query = MediaQuerySchema.safeParse(c.req.query());
  const verdict = query.success ? checkMediaSignature(key, query.data.expires, query.data.signature, config.MEDIA_SIGNING_KEY) : 'invalid';
  if (verdict === 'expired') throw new ApiError(403, 'Forbidden', 'This media link has expired');
  if (verdict === 'invalid' || !query.success) throw new ApiError(403, 'Forbidden', 'This media link is not valid');

  const stored = isValidStorageKey(key) ? await storage.stat(key) : undefined;
  if (!stored) throw notFound();

  const secondsLeft = Math.max(0, query.data.expires - Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'Content-Type': contentTypeOf(key),
    'Accept-Ranges': 'bytes',
    'Cache-Control': `private, max-age=${secondsLeft}`,
    'Last-Modified': stored.modified.toUTCString(),
    'X-Content-Type-Options': 'nosniff',
  };
  const range = parseByteRange(c.req.header('range'), stored.size);
  if (range === 'unsatisfiable') {
    const error = new ApiError(416, 'RangeNotSatisfiable', `The file has ${stored.size} bytes`);
    return c.json(error.toBody(), 416, { 'Content-Range': `bytes */${stored.size}` });
  }
  const [status, start, end] = range ? [206 as const, range.start, range.end] : [200 as const, 0, stored.size - 1];
  headers['Content-Length'] = String(end - start + 1);
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${stored.size}`;

  // Hono answers HEAD with the GET handler's headers; opening the file then would only leak it.
  if (c.req.method === 'HEAD' || stored.size === 0) return c.body(null, status, headers);
  const stream = Readable.toWeb(storage.readStream(key, { start, end })) as ReadableStream<Uint8Array>;
  return c.body(stream, status, headers);
};
