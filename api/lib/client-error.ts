import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Server } from 'node:http';
import { getRequestListener, RequestError } from '@hono/node-server';
import { ApiError } from './errors.js';

/** The error shape as a Response, with a fresh request id (the app's own middleware never ran). */
function shaped(refusal: ApiError): Response {
  return new Response(JSON.stringify(refusal.toBody()), {
    status: refusal.statusCode,
    headers: { 'Content-Type': 'application/json', 'X-Request-Id': randomUUID() },
  });
}

/**
 * @hono/node-server's errorHandler: a request Node parsed but that makes no URL (a backslash or
 * bytes no URL takes in the path, a bad Host) is refused before the app with a bodiless 400; this
 * answers it in the error shape. Anything else thrown past the app is a 500 in the same shape.
 */
export function answerRequestError(error: unknown): Response {
  if (error instanceof RequestError) return shaped(new ApiError(400, 'BadRequest', `The request cannot be read: ${error.message}`));
  return shaped(new ApiError(500, 'InternalError', 'Something went wrong on our side'));
}

/** How long a refused connection is still read (and discarded) so the client can read the answer. */
const LINGER_MS = 2_000;
const answered = new WeakSet<Duplex>();

function refusalOf(code: string | undefined): ApiError {
  if (code === 'HPE_HEADER_OVERFLOW') return new ApiError(431, 'RequestHeaderFieldsTooLarge', 'The request headers exceed 16 KB');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'HPE_HEADERS_TIMEOUT') return new ApiError(408, 'RequestTimeout', 'The request did not arrive in time');
  return new ApiError(400, 'BadRequest', 'The request is not valid HTTP/1.1 (request line, headers or body framing)');
}

/**
 * The HTTP server's `clientError` listener: a request Node's parser refuses before the app sees it
 * (a malformed request line, headers over 16 KB, a broken chunked body, an unknown method) is answered
 * in the API's error shape with an X-Request-Id, instead of Node's bodiless 400/431. The connection
 * is then read and discarded for a moment before it closes, so a client still sending reads the
 * answer rather than a reset.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // The parser reports its error again for each further chunk of the refused request: answered once, the rest is lingering.
  if (answered.has(socket)) return;
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  answered.add(socket);
  const refusal = refusalOf(error.code);
  const body = JSON.stringify(refusal.toBody());
  socket.end(
    [
      `HTTP/1.1 ${refusal.statusCode} ${STATUS_CODES[refusal.statusCode] ?? 'Error'}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      `X-Request-Id: ${randomUUID()}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
  socket.on('data', () => undefined);
  socket.resume();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/**
 * Makes a server from @hono/node-server's serve() answer what never reaches the app in the error
 * shape: requests Node's parser refuses (answerClientError) and requests that make no URL
 * (answerRequestError). serve() takes no errorHandler, so its request listener is replaced by one
 * that has it.
 */
export function refuseOutsideAppInErrorShape(server: Server, fetch: (request: Request) => Response | Promise<Response>, hostname?: string): void {
  server.on('clientError', answerClientError);
  server.removeAllListeners('request');
  server.on('request', getRequestListener(fetch, { ...(hostname ? { hostname } : {}), errorHandler: answerRequestError }));
}
