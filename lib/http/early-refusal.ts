import type { Readable } from 'node:stream';

/** How long, and how much more of the body, a refused upload is read and discarded before its connection closes. */
export const DRAIN_LIMITS = { ms: 10_000, bytes: 1024 * 1024 * 1024 };

/** Reads and discards the rest of `body` until it ends or fails, or `limits` run out; never rejects. */
export function discardRest(body: Readable, limits = DRAIN_LIMITS): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const stop = () => {
      clearTimeout(timer);
      body.off('data', onData).off('end', stop).off('error', stop).off('close', stop);
      body.destroy();
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > limits.bytes) stop();
    };
    const timer = setTimeout(stop, limits.ms);
    if (body.readableEnded || body.destroyed) {
      stop();
      return;
    }
    body.on('data', onData).once('end', stop).once('error', stop).once('close', stop);
    body.resume();
  });
}

/**
 * The answer to an upload refused while its body is still arriving: `payload` as JSON with
 * `Connection: close`, sent at once and complete (Content-Length), while the rest of the body is
 * read and discarded; the response ends — and the connection closes — only when the client has
 * stopped sending (or DRAIN_LIMITS ran out). Closing a socket with unread data makes the kernel
 * reset the connection, and a client still sending would then see ECONNRESET or EPIPE instead of
 * the answer; undici's fetch stops sending once the answer is complete, node's http client sends on.
 */
export function refusalWhileReceiving(status: number, payload: unknown, body: Readable, limits = DRAIN_LIMITS): Response {
  const json = new TextEncoder().encode(JSON.stringify(payload));
  return whileReceiving(json, status, new Headers({ 'content-type': 'application/json' }), body, limits);
}

/**
 * An answer already made (status, headers, body) sent the same way while the rest of `body` is
 * read and discarded: for a refusal decided before the route read the request (a NUL in the query,
 * a missing token) on a path whose body the route streams itself.
 */
export async function answerWhileReceiving(answer: Response, body: Readable, limits = DRAIN_LIMITS): Promise<Response> {
  return whileReceiving(new Uint8Array(await answer.arrayBuffer()), answer.status, new Headers(answer.headers), body, limits);
}

function whileReceiving(bytes: Uint8Array, status: number, headers: Headers, body: Readable, limits: typeof DRAIN_LIMITS): Response {
  const drained = discardRest(body, limits);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      void drained.then(() => {
        try {
          controller.close();
        } catch {
          // The client went away first: the server has cancelled the response already.
        }
      });
    },
  });
  headers.set('content-length', String(bytes.byteLength));
  headers.set('connection', 'close');
  return new Response(stream, { status, headers });
}
