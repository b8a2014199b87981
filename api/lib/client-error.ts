import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError } from './errors.js';

/** How long a refused connection is still read (and discarded) so the client can read the answer. */
const LINGER_MS = 2_000;

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
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
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
