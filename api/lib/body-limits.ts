import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Context, Next } from 'hono';
import { createMiddleware } from 'hono/factory';
import { answerWhileReceiving, refusalWhileReceiving } from '../../lib/http/early-refusal.js';
import { PHOTO_MAX_BYTES } from '../../lib/media/image-intake.js';
import { ApiError } from './errors.js';
import { bodyTooLarge, FORM_OVERHEAD_BYTES, readMultipartForm } from './multipart-form.js';
import type { AppEnv } from './types.js';

/** Multipart bodies carry a photo of up to 10 MB plus form fields; everything else is small JSON. */
export const MULTIPART_BODY_LIMIT = PHOTO_MAX_BYTES + FORM_OVERHEAD_BYTES;
export const JSON_BODY_LIMIT = 64 * 1024;
/** Meta batches WhatsApp status updates; refusing one makes Meta redeliver it forever. */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;
const WEBHOOK_PATH = '/api/v1/whatsapp/webhook';
/** Transcripts: 100 KB of text as a plain body, or 20,000 characters (up to 80 KB of UTF-8) in JSON. */
export const TEXT_BODY_LIMIT = 128 * 1024;
const TEXT_PATHS = new Set(['/api/v1/upload/transcript', '/api/v1/jobs/create']);

const isMultipart = (c: Context) => /^multipart\/form-data\b/i.test(c.req.header('content-type') ?? '');

/**
 * A refusal of a body the client is still sending, readable by every client: the whole JSON answer
 * at once with `Connection: close`, the rest of the body read and discarded (lib/http/early-refusal.ts)
 * — a socket closed with unread data is reset, and node's http client and undici's fetch, still
 * sending, would report EPIPE or ECONNRESET instead of the answer. A body already read whole is
 * refused the ordinary way, keeping its connection.
 */
function refuse(refusal: ApiError, body: Readable): Response {
  if (body.readableEnded && refusal.statusCode !== 413) throw refusal;
  return refusalWhileReceiving(refusal.statusCode, refusal.toBody(), body);
}

/** The request body as a Node stream, or undefined for none; a Content-Length over `limit` is refused before it is read. */
function bodyWithin(c: Context, limit: number): { body: Readable; early?: Response } | undefined {
  const raw = c.req.raw.body;
  if (!raw) return undefined;
  const body = Readable.fromWeb(raw as NodeReadableStream<Uint8Array>);
  const declared = Number(c.req.header('content-length'));
  return { body, ...(declared > limit ? { early: refuse(bodyTooLarge(limit), body) } : {}) };
}

/** Reads `body` whole if it is at most `limit` bytes; undefined, with `body` paused, the moment it is more. */
function readUpTo(body: Readable, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total <= limit) return void chunks.push(chunk);
      done();
      resolve(undefined);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks, total));
    };
    // Stays after reading stops: a client leaving during the drain is no crash.
    const onError = () => reject(new ApiError(400, 'ValidationError', 'The request body ended before it was complete: the client stopped sending midway.'));
    const done = () => {
      body.off('data', onData).off('end', onEnd);
      body.pause();
    };
    body.on('data', onData).once('end', onEnd).on('error', onError);
  });
}

/**
 * A small body (JSON, text, a webhook) read whole up front, at most `limit` bytes; the route reads
 * it as usual from the request, which carries the bytes read.
 */
const smallBody = (limit: number) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const received = bodyWithin(c, limit);
    if (!received) return next();
    if (received.early) return received.early;
    const bytes = await readUpTo(received.body, limit);
    if (!bytes) return refuse(bodyTooLarge(limit), received.body);
    c.req.raw = new Request(c.req.raw, { body: bytes });
    await next();
  });

/**
 * A multipart form read with busboy as it streams (api/lib/multipart-form.ts) into Hono's body
 * cache, where the routes' `form` validators and parseBody() find it: the routes keep their zod
 * schemas and OpenAPI documents, and every client's multipart dialect gets the same parser.
 */
const multipartForm = createMiddleware<AppEnv>(async (c, next) => {
  const received = bodyWithin(c, MULTIPART_BODY_LIMIT);
  if (!received) return next();
  if (received.early) return received.early;
  try {
    c.req.bodyCache.formData = await readMultipartForm(received.body, c.req.header('content-type') ?? '', MULTIPART_BODY_LIMIT);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return refuse(error, received.body);
  }
  await next();
});

const jsonLimit = smallBody(JSON_BODY_LIMIT);
const webhookLimit = smallBody(WEBHOOK_BODY_LIMIT);
const textLimit = smallBody(TEXT_BODY_LIMIT);

/**
 * A streamed path's request refused before its route read the body (a NUL in the query, no token,
 * an unknown method) is answered while the body is drained, like every other early refusal.
 */
const drainWhenRefusedUnread = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const { raw } = c.req;
  // A body the route took (locked: it reads or drains it itself) is its own.
  if (c.res.status < 400 || !raw.body || raw.bodyUsed || raw.body.locked) return;
  c.res = await answerWhileReceiving(c.res, Readable.fromWeb(raw.body as NodeReadableStream<Uint8Array>));
});

/**
 * Every request body is read under its limit before any route sees it, and every refusal of it is
 * one the client can read (413 with the rest drained; 400 for a malformed form). Multipart forms
 * are parsed here too, except on `streamedPaths` (the video upload streams its own).
 */
export function bodyLimits(streamedPaths: ReadonlySet<string>) {
  return createMiddleware<AppEnv>((c, next: Next) => {
    if (isMultipart(c)) return streamedPaths.has(c.req.path) ? drainWhenRefusedUnread(c, next) : multipartForm(c, next);
    if (c.req.path === WEBHOOK_PATH) return webhookLimit(c, next);
    return TEXT_PATHS.has(c.req.path) ? textLimit(c, next) : jsonLimit(c, next);
  });
}
