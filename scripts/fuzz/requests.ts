import fc from 'fast-check';
import { deepJson, hostileJsonValue, hostileString, oddJsonText } from './hostile-values.js';
import { multipartSpec, renderMultipart } from './multipart.js';
import type { RawRequest } from './raw-http.js';
import type { Operation } from './spec.js';
import { authorization, requestTarget, type Credentials } from './targets.js';

/** One generated hostile request, per kind, aimed at one operation of the spec. */

export const KINDS = ['multipart', 'json', 'headers', 'path', 'method', 'slow'] as const;
export type Kind = (typeof KINDS)[number];

export interface FuzzRequest {
  kind: Kind;
  /** `METHOD /template` of the operation aimed at. */
  operation: string;
  raw: RawRequest;
}

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND', 'FOO', 'get', 'M-SEARCH'] as const;

function withAuth(headers: [string, string][], auth: string | undefined): [string, string][] {
  return auth === undefined ? headers : [['Authorization', auth], ...headers];
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');

/** A JSON body of the wrong type or depth for an operation's fields. */
function jsonBody(operation: Operation): fc.Arbitrary<string> {
  const fields = operation.jsonFields.length ? operation.jsonFields : ['a'];
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(...fields.map(() => fc.option(hostileJsonValue, { freq: 4 }))).map((values) => JSON.stringify(Object.fromEntries(fields.flatMap((name, i) => (values[i] === null ? [] : [[name, values[i]]]))))) },
    { weight: 2, arbitrary: hostileJsonValue.map((value) => JSON.stringify(value) ?? 'null') },
    { weight: 1, arbitrary: deepJson },
    { weight: 2, arbitrary: oddJsonText },
    { weight: 1, arbitrary: fc.tuple(...fields.map(() => hostileJsonValue)).map((values) => JSON.stringify([Object.fromEntries(fields.map((name, i) => [name, values[i]]))])) },
  );
}

const JSON_TYPES = ['application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=klingon', 'application/json; charset=utf-16le', 'text/plain', 'application/x-www-form-urlencoded', 'application/vnd.api+json'] as const;

function jsonRequest(operation: Operation, credentials: Credentials): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({ target: requestTarget(operation, credentials, false), auth: authorization(operation, credentials), body: jsonBody(operation), type: fc.constantFrom(...JSON_TYPES) })
    .map(({ target, auth, body, type }) => ({
      kind: 'json',
      operation: `${operation.method} ${operation.path}`,
      raw: { method: operation.method, target, headers: withAuth([['Content-Type', type]], auth), body: utf8(body) },
    }));
}

function multipartRequest(operation: Operation, credentials: Credentials): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({ target: requestTarget(operation, credentials, false), auth: authorization(operation, credentials), spec: multipartSpec(operation.formFields) })
    .map(({ target, auth, spec }) => {
      const { contentType, body } = renderMultipart(spec);
      return { kind: 'multipart', operation: `${operation.method} ${operation.path}`, raw: { method: operation.method, target, headers: withAuth([['Content-Type', contentType]], auth), body } };
    });
}

/** Header lines that lie or overflow, each with the body it goes with. */
const HEADER_TRICKS: readonly ((body: Buffer) => { headers: [string, string][]; body?: Buffer })[] = [
  (body) => ({ headers: [['Content-Type', `application/json; ${'x'.repeat(10_000)}`]], body }),
  (body) => ({ headers: [['Content-Type', `multipart/form-data; boundary=${'b'.repeat(100_000)}`]], body }),
  (body) => ({ headers: [['Content-Type', 'application/json; charset=klingon']], body }),
  (body) => ({ headers: [['Content-Type', 'application/json; charset="utf-8"; charset=latin1']], body }),
  (body) => ({ headers: [['Content-Type', '\u00ff/\u00fe']], body }),
  (body) => ({ headers: [['Content-Type', 'application/json'], ['Content-Length', String(body.length + 100)]], body }),
  (body) => ({ headers: [['Content-Type', 'application/json'], ['Content-Length', String(Math.max(0, body.length - 3))]], body }),
  (body) => ({ headers: [['Content-Type', 'application/json'], ['Content-Length', '-1']], body }),
  (body) => ({ headers: [['Content-Type', 'application/json'], ['Content-Length', '1e3']], body }),
  (body) => ({ headers: [['Content-Type', 'application/json'], ['Content-Length', '99999999999999999999']], body }),
  (body) => ({ headers: [['Content-Type', 'application/json'], ['Content-Length', String(body.length)], ['Content-Length', String(body.length + 1)]], body }),
  (body) => ({ headers: [['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']], body: Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]) }),
  (body) => ({ headers: [['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']], body: Buffer.from('zz\r\nxx\r\n') }),
  (body) => ({ headers: [['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked'], ['Content-Length', String(body.length)]], body }),
  (body) => ({ headers: [['Content-Type', 'application/json'], ['Content-Encoding', 'gzip']], body }),
  (body) => ({ headers: [['Content-Type', 'application/json'], ['Expect', '100-continue']], body }),
  (body) => ({ headers: [['Content-Type', 'application/json'], ...Array.from({ length: 150 }, (_, i): [string, string] => [`X-Fuzz-${i}`, 'v'.repeat(100)])], body }),
  (body) => ({ headers: [['Content-Type', 'application/json'], ['X-Big', 'h'.repeat(70_000)]], body }),
  (body) => ({ headers: [['Content-Type', 'application/json'], ['X-Request-Id', '../../\u00ff'], ['X-Tracking-Token', '\u00e9'.repeat(300)], ['Last-Event-ID', '-1'], ['Idempotency-Key', 'k'.repeat(5000)]], body }),
  (body) => ({ headers: [['Content-Type', 'application/json'], ['Range', 'bytes=99999999999999999999-'], ['Accept', '*/*;q=NaN'], ['Prefer', 'respond-async, wait=-1'], ['X-Session-Id', '\u00ff'.repeat(500)]], body }),
];

function headerRequest(operation: Operation, credentials: Credentials): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({ target: requestTarget(operation, credentials, false), auth: authorization(operation, credentials), trick: fc.integer({ min: 0, max: HEADER_TRICKS.length - 1 }), value: fc.option(hostileString) })
    .map(({ target, auth, trick, value }) => {
      const { headers, body } = HEADER_TRICKS[trick]!(utf8(JSON.stringify(value === null ? {} : { value })));
      return { kind: 'headers', operation: `${operation.method} ${operation.path}`, raw: { method: operation.method, target, headers: withAuth(headers, auth), body } };
    });
}

function pathRequest(operation: Operation, credentials: Credentials): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({ target: requestTarget(operation, credentials, true), auth: authorization(operation, credentials) })
    .map(({ target, auth }) => ({
      kind: 'path',
      operation: `${operation.method} ${operation.path}`,
      raw: { method: operation.method, target, headers: withAuth(operation.bodyTypes.includes('application/json') ? [['Content-Type', 'application/json']] : [], auth), body: operation.bodyTypes.length ? utf8('{}') : undefined },
    }));
}

/** A method the spec does not list for the path (or an odd spelling of one). */
function methodRequest(operation: Operation, credentials: Credentials, listed: Set<string>): fc.Arbitrary<FuzzRequest> {
  const others = HTTP_METHODS.filter((method) => !listed.has(method));
  return fc
    .record({ target: requestTarget(operation, credentials, false), auth: authorization(operation, credentials), method: fc.constantFrom(...others), body: fc.option(jsonBody(operation)) })
    .map(({ target, auth, method, body }) => ({
      kind: 'method',
      operation: `${operation.method} ${operation.path}`,
      raw: { method, target, headers: withAuth(body === null ? [] : [['Content-Type', 'application/json']], auth), body: body === null ? undefined : utf8(body) },
    }));
}

/** A body trickled in 3 to 12 pieces 50-150 ms apart: bounded to under 2 s a request. */
function slowRequest(operation: Operation, credentials: Credentials): fc.Arbitrary<FuzzRequest> {
  const multipart = operation.bodyTypes.includes('multipart/form-data');
  const body = multipart ? multipartSpec(operation.formFields).map(renderMultipart) : jsonBody(operation).map((text) => ({ contentType: 'application/json', body: utf8(text) }));
  return fc
    .record({ target: requestTarget(operation, credentials, false), auth: authorization(operation, credentials), body, pieces: fc.integer({ min: 3, max: 12 }), delayMs: fc.integer({ min: 50, max: 150 }) })
    .filter(({ body: { body } }) => body.length < 2_000_000)
    .map(({ target, auth, body: { contentType, body }, pieces, delayMs }) => ({
      kind: 'slow',
      operation: `${operation.method} ${operation.path}`,
      raw: { method: operation.method, target, headers: withAuth([['Content-Type', contentType]], auth), body, trickle: { chunkBytes: Math.max(1, Math.ceil(body.length / pieces)), delayMs } },
    }));
}

/**
 * Every kind of hostile request over every operation; the weights make slow bodies rare (about 1 in
 * 100) and multipart aim mostly at routes that take multipart.
 */
export function fuzzRequest(operations: Operation[], credentials: Credentials): fc.Arbitrary<FuzzRequest> {
  const listed = new Map<string, Set<string>>();
  for (const operation of operations) listed.set(operation.path, (listed.get(operation.path) ?? new Set()).add(operation.method));
  const all = fc.constantFrom(...operations);
  const withBody = operations.filter((operation) => operation.bodyTypes.length > 0);
  const multipartOps = operations.filter((operation) => operation.bodyTypes.includes('multipart/form-data'));
  const jsonOps = operations.filter((operation) => operation.bodyTypes.includes('application/json'));
  const pick = (preferred: Operation[]) => (preferred.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...preferred) }, { weight: 1, arbitrary: all }) : all);
  return fc.oneof(
    { weight: 24, arbitrary: pick(multipartOps).chain((operation) => multipartRequest(operation, credentials)) },
    { weight: 24, arbitrary: pick(jsonOps).chain((operation) => jsonRequest(operation, credentials)) },
    { weight: 24, arbitrary: all.chain((operation) => headerRequest(operation, credentials)) },
    { weight: 24, arbitrary: all.chain((operation) => pathRequest(operation, credentials)) },
    { weight: 12, arbitrary: all.chain((operation) => methodRequest(operation, credentials, listed.get(operation.path)!)) },
    { weight: 1, arbitrary: (withBody.length ? fc.constantFrom(...withBody) : all).chain((operation) => slowRequest(operation, credentials)) },
  );
}
