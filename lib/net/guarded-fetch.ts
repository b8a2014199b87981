import type { LookupAddress } from 'node:dns';
import { createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ProviderError, parseRetryAfter } from '../../providers/provider-error.js';
import { writeAtomically } from '../atomic-write.js';
import { sniffImageType, type ImageType } from '../media/image-intake.js';
import { checkRemoteUrl } from './remote-url.js';

/**
 * Fetching a URL a user gave us, under the rules of lib/net/remote-url.ts. Built on node:http and
 * node:https rather than fetch: their `lookup` option lets the socket connect only to the
 * addresses that were checked (no second DNS answer between check and connect), with no extra
 * dependency (fetch would need the `undici` package's Agent for that). Each redirect is checked
 * again; one deadline covers every hop and the body.
 */

export interface GuardedFetchOptions {
  /** REMOTE_FETCH_ALLOW_HOSTS: `host` or `host:port` entries that skip the address rules. */
  allowHosts: readonly string[];
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** For the whole fetch: every hop, and reading the body. */
  timeoutMs: number;
  /** Most bytes the body may have: a larger Content-Length is refused before reading, a longer stream while reading. */
  maxBytes: number;
  /** The caller's cancellation: its reason is rethrown as is. */
  signal?: AbortSignal;
  /** Redirects followed (each hop checked again); default 3. With 0 a redirect is an error answer like any non-2xx (`<provider>_302`). */
  maxRedirects?: number;
  /** Prefix of error codes, e.g. `WEBHOOK` gives WEBHOOK_BLOCKED; default REMOTE_FETCH. */
  provider?: string;
  /** Names the URL in refusals, e.g. `image_url`. */
  label?: string;
  /** Only status and headers matter (webhooks): the body is not read (nor `maxBytes` used) and `body` is empty. */
  discardBody?: boolean;
}

export interface GuardedResponse {
  /** The URL that answered, after redirects. */
  url: URL;
  /** Always 2xx: anything else is thrown. */
  status: number;
  headers: Headers;
  body: Buffer;
}

export interface GuardedDownload extends Omit<GuardedResponse, 'body'> {
  /** The file the body was written to (resolved `downloadTo`). */
  path: string;
  /** Bytes written. */
  size: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that must not follow a redirect to another origin (as fetch does). */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * GETs (or `method`s) `url` and returns its 2xx answer: the body in memory, or with `downloadTo`
 * streamed to a temporary file beside that path and renamed into place (nothing is left behind on
 * failure). Throws ProviderError coded `<provider>_…`: BLOCKED (a refused URL or redirect target,
 * permanent), TOO_LARGE (permanent), TOO_MANY_REDIRECTS (permanent), TIMEOUT and NETWORK
 * (retryable), `<status>` for non-2xx answers (408, 409, 425, 429 and 5xx retryable, with
 * Retry-After, as providers/http.ts). A cancelled `signal` rethrows its reason.
 */
export function guardedFetch(url: string | URL, options: GuardedFetchOptions & { downloadTo: string }): Promise<GuardedDownload>;
export function guardedFetch(url: string | URL, options: GuardedFetchOptions & { downloadTo?: undefined }): Promise<GuardedResponse>;
export async function guardedFetch(url: string | URL, options: GuardedFetchOptions & { downloadTo?: string }): Promise<GuardedResponse | GuardedDownload> {
  const provider = options.provider ?? 'REMOTE_FETCH';
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  try {
    const { response, url: answered } = await follow(url, options, provider, signal);
    const head = { url: answered, status: response.statusCode ?? 0, headers: toHeaders(response) };
    const length = Number(response.headers['content-length']);
    if (options.discardBody) {
      response.destroy();
      return { ...head, body: Buffer.alloc(0) };
    }
    if (length > options.maxBytes) {
      response.destroy();
      throw tooLarge(provider, options.maxBytes);
    }
    const limited = limitTo(options.maxBytes, provider);
    if (options.downloadTo !== undefined) {
      const path = resolve(options.downloadTo);
      let size = 0;
      await writeAtomically(path, async (temp) => {
        const file = createWriteStream(temp);
        await pipeline(response, limited, file, { signal });
        size = file.bytesWritten;
      });
      return { ...head, path, size };
    }
    const chunks: Buffer[] = [];
    for await (const chunk of limited(response)) chunks.push(chunk);
    return { ...head, body: Buffer.concat(chunks) };
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    if (error instanceof ProviderError) throw error;
    if (deadline.aborted) {
      throw new ProviderError(`${provider}_TIMEOUT`, `${provider} got no complete answer within ${options.timeoutMs} ms`, { retryable: true, cause: error });
    }
    throw new ProviderError(`${provider}_NETWORK`, `${provider} failed: ${(error as Error).message}`, { retryable: true, cause: error });
  }
}

export type RemoteImageOptions = Omit<GuardedFetchOptions, 'method' | 'body' | 'discardBody'>;
export type ImageContentType = `image/${ImageType}`;
export interface RemoteImage {
  bytes: Buffer;
  contentType: ImageContentType;
}
export interface RemoteImageFile {
  path: string;
  size: number;
  contentType: ImageContentType;
}

/**
 * Fetches an image a user pointed at (image_url) with guardedFetch, in memory (`bytes`) or with
 * `downloadTo` on disk. The type comes from the bytes (JPEG, PNG or WebP magic numbers, as
 * lib/media/image-intake.ts sniffs uploads), never from Content-Type; anything else is refused
 * with `<provider>_NOT_AN_IMAGE` (permanent), and a refused download leaves no file behind.
 * Other errors as guardedFetch.
 */
export function fetchRemoteImage(url: string | URL, options: RemoteImageOptions & { downloadTo: string }): Promise<RemoteImageFile>;
export function fetchRemoteImage(url: string | URL, options: RemoteImageOptions & { downloadTo?: undefined }): Promise<RemoteImage>;
export async function fetchRemoteImage(url: string | URL, options: RemoteImageOptions & { downloadTo?: string }): Promise<RemoteImage | RemoteImageFile> {
  const provider = options.provider ?? 'REMOTE_FETCH';
  const notAnImage = () => new ProviderError(`${provider}_NOT_AN_IMAGE`, `${options.label ?? 'the URL'} is not a JPEG, PNG or WebP image`, { retryable: false });
  if (options.downloadTo === undefined) {
    const { body } = await guardedFetch(url, { ...options, downloadTo: undefined });
    const type = sniffImageType(body);
    if (!type) throw notAnImage();
    return { bytes: body, contentType: `image/${type}` };
  }
  const { path, size } = await guardedFetch(url, { ...options, downloadTo: options.downloadTo });
  const type = sniffImageType(await readHead(path, 12));
  if (!type) {
    await rm(path, { force: true });
    throw notAnImage();
  }
  return { path, size, contentType: `image/${type}` };
}

/** Sends the request, following redirects; returns the first non-redirect answer when it is 2xx. */
async function follow(input: string | URL, options: GuardedFetchOptions, provider: string, signal: AbortSignal): Promise<{ response: IncomingMessage; url: URL }> {
  const maxRedirects = options.maxRedirects ?? 3;
  let next = input;
  let method = (options.method ?? 'GET').toUpperCase();
  let body = options.body;
  let headers: Record<string, string> = { 'user-agent': 'reelflow', ...lowercaseKeys(options.headers ?? {}) };
  for (let hop = 0; ; hop += 1) {
    const checked = await Promise.race([checkRemoteUrl(next, { allowHosts: options.allowHosts, label: options.label ?? 'the URL' }), whenAborted(signal)]);
    if (!checked.ok) {
      throw checked.unresolved
        ? new ProviderError(`${provider}_NETWORK`, checked.reason, { retryable: true })
        : new ProviderError(`${provider}_BLOCKED`, checked.reason, { retryable: false });
    }
    const response = await send(checked.url, checked.addresses, { method, headers, body, signal });
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (REDIRECTS.has(status) && location && maxRedirects > 0) {
      response.destroy();
      if (hop >= maxRedirects) {
        throw new ProviderError(`${provider}_TOO_MANY_REDIRECTS`, `${provider}: more than ${maxRedirects} redirects (last to ${location.slice(0, 200)})`, { retryable: false });
      }
      const target = new URL(location, checked.url);
      // As browsers do: 303, and 301/302 after a POST, continue as a GET without the body.
      if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        headers = withoutKeys(headers, ['content-type', 'content-length']);
      }
      if (target.origin !== checked.url.origin) headers = withoutKeys(headers, CREDENTIAL_HEADERS);
      next = target;
      continue;
    }
    if (status >= 200 && status < 300) return { response, url: checked.url };
    const text = await readSnippet(response);
    const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
    throw new ProviderError(`${provider}_${status}`, `${provider}: ${checked.url.host} answered ${status}: ${text}`, {
      retryable: [408, 409, 425, 429].includes(status) || status >= 500,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
}

interface Outgoing {
  method: string;
  headers: Record<string, string>;
  body: string | Buffer | undefined;
  signal: AbortSignal;
}

/** One request; resolves at the answer's headers. No agent: a pooled socket could outlive the rules it was opened under. */
function send(url: URL, addresses: LookupAddress[] | undefined, outgoing: Outgoing): Promise<IncomingMessage> {
  return new Promise((resolvePromise, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: outgoing.method,
        headers: outgoing.body === undefined ? outgoing.headers : { ...outgoing.headers, 'content-length': String(Buffer.byteLength(outgoing.body)) },
        signal: outgoing.signal,
        agent: false,
        ...(addresses ? { lookup: pinnedLookup(addresses) } : {}),
      },
      resolvePromise,
    );
    request.on('error', reject);
    request.end(outgoing.body);
  });
}

/** A `lookup` that answers with the addresses already checked, whatever DNS would say now. */
function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const [first] = addresses;
    if (options.all || !first) callback(null, addresses);
    else callback(null, first.address, first.family);
  };
}

/** A stream stage passing at most `maxBytes` through; one byte more fails with TOO_LARGE. */
function limitTo(maxBytes: number, provider: string) {
  return async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    let total = 0;
    for await (const chunk of source) {
      total += chunk.length;
      if (total > maxBytes) throw tooLarge(provider, maxBytes);
      yield chunk;
    }
  };
}

function tooLarge(provider: string, maxBytes: number): ProviderError {
  return new ProviderError(`${provider}_TOO_LARGE`, `${provider}: the body is larger than ${maxBytes} bytes`, { retryable: false });
}

async function readHead(path: string, length: number): Promise<Buffer> {
  const file = await open(path);
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(length), 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** The first 300 characters of an error answer, for the message; an unreadable body is "". */
async function readSnippet(response: IncomingMessage): Promise<string> {
  let text = '';
  try {
    for await (const chunk of response) {
      text += String(chunk);
      if (text.length >= 300) break;
    }
  } catch {
    // The status says enough.
  }
  return text.slice(0, 300);
}

/** Rejects with the signal's reason when it aborts: DNS lookups cannot be cancelled, only outwaited. */
function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function toHeaders(response: IncomingMessage): Headers {
  return new Headers(Object.entries(response.headersDistinct).flatMap(([name, values = []]) => values.map((value): [string, string] => [name, value])));
}

function lowercaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function withoutKeys(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name)));
}
