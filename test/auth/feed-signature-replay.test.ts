import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { signRequest } from '../../lib/auth/request-signature.js';
import { startGenerationStack, type GenerationClient, type GenerationStack } from '../support/generation-stack.js';

const SECRET = `feed-signing-secret-${randomBytes(16).toString('hex')}`;
const TTL = 120;

let stack: GenerationStack;
let user: GenerationClient;
before(async () => {
  stack = await startGenerationStack({ worker: false, env: { REQUEST_SIGNATURE_SECRET: SECRET, REQUEST_SIGNATURE_TTL_SECONDS: String(TTL) } });
  user = await stack.as();
});
after(() => stack?.stop());

/** A captured request: what went over the wire, headers and body, as an eavesdropper would replay it. */
interface Captured {
  body: string;
  timestamp: string;
  signature: string;
}

function sign(body: string, timestamp: number): Captured {
  const signature = signRequest(SECRET, { timestamp, method: 'PATCH', pathWithQuery: `/feed/users/${user.userId}`, body });
  return { body, timestamp: String(timestamp), signature };
}

async function send(request: Captured) {
  const response = await fetch(`${stack.url}/feed/users/${user.userId}`, {
    method: 'PATCH',
    body: request.body,
    headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json', 'x-instaveo-timestamp': request.timestamp, 'x-instaveo-signature': request.signature },
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

/** 401 in the error shape with the signature problem (a signature is no bearer scheme: no WWW-Authenticate). */
function refused(reply: Awaited<ReturnType<typeof send>>, problem: string, label: string): void {
  assert.equal(reply.status, 401, `${label} ${JSON.stringify(reply.body)}`);
  assert.deepEqual(reply.body, { error: 'Unauthorized', message: reply.body.message, statusCode: 401, details: { problem } }, label);
}

const username = async () => String((await user.get(`/feed/users/${user.userId}`)).body.username);

describe('a captured signed feed request', () => {
  it('is refused with its body tampered with, replayed byte for byte, or re-stamped', async () => {
    const name = `signed_${randomBytes(4).toString('hex')}`;
    const captured = sign(JSON.stringify({ username: name }), Math.floor(Date.now() / 1000));
    const first = await send(captured);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(await username(), name);

    refused(await send({ ...captured, body: JSON.stringify({ username: 'attacker_name' }) }), 'bad_signature', 'tampered body');
    refused(await send({ ...captured, body: `${captured.body} ` }), 'bad_signature', 'one byte more');
    refused(await send(captured), 'replayed', 'byte-identical replay');
    refused(await send({ ...captured, timestamp: String(Number(captured.timestamp) + 1) }), 'bad_signature', 're-stamped');
    assert.equal(await username(), name, 'no refused request changed the profile');
  });

  it('is refused after its TTL, also once its replay record is purged', async () => {
    const name = `signed_${randomBytes(4).toString('hex')}`;
    // Signed MARGIN seconds before it leaves the window: accepted now, expired after the wait.
    const MARGIN = 5;
    const captured = sign(JSON.stringify({ username: name }), Math.floor(Date.now() / 1000) - (TTL - MARGIN));
    const first = await send(captured);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    await sleep(Math.max(0, (Number(captured.timestamp) + TTL + 1) * 1000 - Date.now()));
    refused(await send(captured), 'expired', 'after the TTL');
    await stack.sql`delete from request_signatures where signature = ${captured.signature}`;
    refused(await send(captured), 'expired', 'after the TTL, its record purged');
    assert.equal(await username(), name);
  });
});
