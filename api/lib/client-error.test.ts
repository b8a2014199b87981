import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { sendRaw, type Outcome, type RawRequest } from '../../scripts/fuzz/raw-http.js';
import { refuseOutsideAppInErrorShape } from './client-error.js';

// Requests that never reach the app (Node's parser refuses them, or they make no URL) used to get a
// bodiless 400/431 — or a reset, for a client still sending — instead of the API's error shape.

let server: Server;
let port: number;

before(async () => {
  const app = new Hono().all('*', (c) => c.json({ reached: true }));
  server = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started as Server));
  });
  refuseOutsideAppInErrorShape(server, app.fetch);
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function refusal(request: RawRequest, status: number): Promise<Record<string, unknown>> {
  const outcome: Outcome = await sendRaw('127.0.0.1', port, request, 10_000);
  assert.equal(outcome.kind, 'response', `no answer: ${JSON.stringify(outcome)}`);
  if (outcome.kind !== 'response') throw new Error('unreachable');
  assert.equal(outcome.response.status, status);
  assert.match(outcome.response.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
  const body = JSON.parse(outcome.response.body.toString()) as Record<string, unknown>;
  assert.equal(body.statusCode, status);
  assert.equal(typeof body.error, 'string');
  assert.equal(typeof body.message, 'string');
  return body;
}

test('headers over 16 KB: 431 in the error shape, readable by a client still sending an 11 MB body', async () => {
  const headers = Array.from({ length: 150 }, (_, i): [string, string] => [`X-Padding-${i}`, 'v'.repeat(100)]);
  const body = await refusal({ method: 'POST', target: `/x?${'q'.repeat(70_000)}`, headers: [['Content-Type', 'application/json'], ...headers], body: Buffer.alloc(11 * 1024 * 1024, 0x41) }, 431);
  assert.equal(body.error, 'RequestHeaderFieldsTooLarge');
});

test('a malformed request line, an unknown method and a Content-Length that is no number: 400 in the error shape', async () => {
  await refusal({ method: 'GET', target: '/a b\u00ff', headers: [] }, 400);
  await refusal({ method: 'BREW', target: '/x', headers: [] }, 400);
  await refusal({ method: 'POST', target: '/x', headers: [['Content-Length', '1e3']], body: Buffer.from('{}') }, 400);
});

test('a path that makes no URL (a backslash): 400 in the error shape, not a bodiless 400', async () => {
  const body = await refusal({ method: 'GET', target: '/feed/users/..\\/videos', headers: [] }, 400);
  assert.match(String(body.message), /Backslash/);
});

test('a well-formed request still reaches the app', async () => {
  const outcome = await sendRaw('127.0.0.1', port, { method: 'GET', target: '/x', headers: [] }, 10_000);
  assert.equal(outcome.kind === 'response' && outcome.response.body.toString(), '{"reached":true}');
});
