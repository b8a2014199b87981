import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { claimSend, ensureDelivery, saveMessageId } from '../../db/deliveries.js';
import { createTemporalClient } from '../../lib/temporal.js';
import { testConfig, testSql } from '../../test/support/harness.js';
import { createApp } from '../app.js';
import { createAppDeps } from '../lib/deps.js';

const APP_SECRET = 'meta-app-secret-for-tests';
const VERIFY_TOKEN = 'verify-me-please';
const RECIPIENT = '919876543210';

const config = testConfig({ WHATSAPP_APP_SECRET: APP_SECRET, WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN });
const sql = testSql(config);
const temporal = createTemporalClient(config);
const logLines: string[] = [];
const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
const app = createApp(createAppDeps(config, { logger, sql, temporal }));

after(async () => {
  await sql.end();
  await temporal.connection.close();
});

let nextJob = 700_000_000 + Math.floor(Math.random() * 10_000_000);

/** A job whose video the provider accepted as `messageId`, as the delivery activity leaves it. */
async function sentJob(messageId: string): Promise<number> {
  const jobId = nextJob++;
  await ensureDelivery(sql, jobId, 'cloud');
  await claimSend(sql, jobId, 'cloud', 0);
  await saveMessageId(sql, jobId, messageId);
  return jobId;
}

function statusesBody(statuses: Record<string, unknown>[]): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: '106540352242922' }, statuses } }] }],
  });
}

function status(messageId: string, value: string, jobId: number, extra: Record<string, unknown> = {}) {
  return { id: messageId, status: value, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: RECIPIENT, biz_opaque_callback_data: String(jobId), ...extra };
}

function post(body: string, signature: string | null = `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`, target = app) {
  return target.request('/api/v1/whatsapp/webhook', {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) },
  });
}

async function deliveryOf(jobId: number) {
  const [row] = await sql<{ status: string; error_code: string | null }[]>`select status, error_code from deliveries where job_id = ${jobId}`;
  return row;
}

async function errorBody(response: Response) {
  const body = (await response.json()) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).filter((key) => key !== 'details').sort(), ['error', 'message', 'statusCode']);
  assert.equal(body.statusCode, response.status);
  return body;
}

describe('WhatsApp webhook verification (GET)', () => {
  const verify = (query: string, target = app) => target.request(`/api/v1/whatsapp/webhook?${query}`);

  it('echoes hub.challenge as text/plain when the verify token matches', async () => {
    const response = await verify(`hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await response.text(), '1158201444');
  });

  it('answers 403 in the error shape for a wrong token or mode', async () => {
    const wrongToken = await verify('hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1');
    assert.equal(wrongToken.status, 403);
    assert.equal((await errorBody(wrongToken)).error, 'Forbidden');
    const wrongMode = await verify(`hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`);
    assert.equal(wrongMode.status, 403);
  });

  it('answers 503 naming the variable when no verify token is configured', async () => {
    const bare = createApp(createAppDeps(testConfig({ WHATSAPP_PROVIDER: 'outbox' }), { logger, sql, temporal }));
    const response = await verify('hub.mode=subscribe&hub.verify_token=anything&hub.challenge=1', bare);
    assert.equal(response.status, 503);
    assert.match(String((await errorBody(response)).message), /WHATSAPP_VERIFY_TOKEN/);
  });
});

describe('WhatsApp status webhook (POST)', () => {
  it('refuses a missing signature with 401 and a wrong one with 403', async () => {
    const body = statusesBody([status('wamid.unsigned', 'read', 1)]);
    const missing = await post(body, null);
    assert.equal(missing.status, 401);
    assert.equal((await errorBody(missing)).error, 'Unauthorized');
    const forged = await post(body, `sha256=${createHmac('sha256', 'another-secret').update(body).digest('hex')}`);
    assert.equal(forged.status, 403);
    assert.equal((await errorBody(forged)).error, 'Forbidden');
    const [event] = await sql`select 1 from whatsapp_status_events where message_id = 'wamid.unsigned'`;
    assert.equal(event, undefined);
  });

  it('verifies the signature over the raw bytes, not a re-serialisation', async () => {
    const messageId = `wamid.raw${nextJob}`;
    const jobId = await sentJob(messageId);
    const body = `{ "object":"whatsapp_business_account",  "entry": [ { "id":"1", "changes": [ { "field":"messages", "value": { "statuses": [ ${JSON.stringify(status(messageId, 'delivered', jobId, { note: 'Añadido ✓' }))} ] } } ] } ] }`;
    const response = await post(body);
    assert.equal(response.status, 200);
    assert.equal((await deliveryOf(jobId))?.status, 'delivered');
  });

  it('answers 400 in the error shape for a signed body that is not JSON', async () => {
    const broken = await post('{"object": "whatsapp_business_account", "entry": [');
    assert.equal(broken.status, 400);
    assert.equal((await errorBody(broken)).error, 'BadRequest');
  });

  it('records the good statuses of a batch with odd items, skips and logs the odd ones, and answers 200 so Meta does not redeliver', async () => {
    const [first, second] = [`wamid.mixedA${nextJob}`, `wamid.mixedB${nextJob}`];
    const [firstJob, secondJob] = [await sentJob(first), await sentJob(second)];
    logLines.length = 0;
    const numericTimestamp = { ...status(first, 'delivered', firstJob), timestamp: Math.floor(Date.now() / 1000) };
    const missingId = { ...status(second, 'read', secondJob), id: undefined };
    const hugeTimestamp = { ...status(second, 'read', secondJob), timestamp: '99999999999999999999' };
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        'not an entry',
        { changes: [{ value: { statuses: [numericTimestamp, missingId, 42, hugeTimestamp] } }, { value: { statuses: 'none' } }] },
        { changes: [{ value: { statuses: [status(second, 'delivered', secondJob)] } }] },
      ],
    });
    const response = await post(body);
    assert.equal(response.status, 200, await response.clone().text());
    assert.deepEqual(await response.json(), { received: 2, recorded: 2, duplicates: 0, skipped: 5 });
    assert.equal((await deliveryOf(firstJob))?.status, 'delivered');
    assert.equal((await deliveryOf(secondJob))?.status, 'delivered', 'the unreadable "read" statuses were not applied');
    const warnings = logLines.filter((line) => line.includes('WhatsApp webhook part skipped'));
    assert.equal(warnings.length, 5);
    assert.ok(warnings.some((line) => line.includes('entry.1.changes.0.value.statuses.1') && line.includes('id')), warnings.join('\n'));

    const shapeless = await post(JSON.stringify({ object: 'whatsapp_business_account', entry: 'none' }));
    assert.equal(shapeless.status, 200);
    assert.deepEqual(await shapeless.json(), { received: 0, recorded: 0, duplicates: 0, skipped: 1 });
  });

  it('moves the delivery forward only (sent < delivered < read), ignoring late and duplicate events', async () => {
    const messageId = `wamid.progress${nextJob}`;
    const jobId = await sentJob(messageId);
    assert.equal((await deliveryOf(jobId))?.status, 'sent');

    const delivered = await post(statusesBody([status(messageId, 'delivered', jobId)]));
    assert.deepEqual(await delivered.json(), { received: 1, recorded: 1, duplicates: 0, skipped: 0 });
    assert.equal((await deliveryOf(jobId))?.status, 'delivered');

    await post(statusesBody([status(messageId, 'sent', jobId)]));
    assert.equal((await deliveryOf(jobId))?.status, 'delivered', 'a late "sent" must not move the delivery back');

    await post(statusesBody([status(messageId, 'read', jobId)]));
    const again = await post(statusesBody([status(messageId, 'read', jobId), status(messageId, 'delivered', jobId)]));
    assert.deepEqual(await again.json(), { received: 2, recorded: 0, duplicates: 2, skipped: 0 });
    assert.equal((await deliveryOf(jobId))?.status, 'read');

    await post(statusesBody([status(messageId, 'failed', jobId, { errors: [{ code: 131026, title: 'Message undeliverable' }] })]));
    assert.equal((await deliveryOf(jobId))?.status, 'read', 'a failure after read is recorded but does not undo it');
    const events = await sql<{ status: string }[]>`select status from whatsapp_status_events where message_id = ${messageId} order by status`;
    assert.deepEqual(events.map((event) => event.status), ['delivered', 'failed', 'read', 'sent']);
  });

  it('accepts a batch of statuses larger than the API-wide JSON limit', async () => {
    const messageId = `wamid.batch${nextJob}`;
    const jobId = await sentJob(messageId);
    // Meta batches; a refused webhook is redelivered over and over.
    const padding = Array.from({ length: 600 }, (_, index) => status(`wamid.unknown${index}`, 'delivered', 999_000_000 + index));
    const body = statusesBody([...padding, status(messageId, 'delivered', jobId)]);
    assert.ok(body.length > 64 * 1024);
    const response = await post(body);
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal((await deliveryOf(jobId))?.status, 'delivered');
  });

  it('records a failure with its WhatsApp error code', async () => {
    const messageId = `wamid.failed${nextJob}`;
    const jobId = await sentJob(messageId);
    const response = await post(
      statusesBody([status(messageId, 'failed', jobId, { errors: [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', error_data: { details: 'More than 24 hours have passed' } }] })]),
    );
    assert.equal(response.status, 200);
    assert.deepEqual(await deliveryOf(jobId), { status: 'failed', error_code: 'WHATSAPP_131047' });
  });

  it('skips statuses it does not track and keeps phone numbers out of logs and stored events', async () => {
    const messageId = `wamid.private${nextJob}`;
    const jobId = await sentJob(messageId);
    logLines.length = 0;
    const response = await post(statusesBody([status(messageId, 'delivered', jobId), status(messageId, 'deleted', jobId)]));
    assert.deepEqual(await response.json(), { received: 2, recorded: 1, duplicates: 0, skipped: 0 });
    assert.ok(logLines.some((line) => line.includes(messageId)), 'the status is logged by message id');
    assert.ok(!logLines.some((line) => line.includes(RECIPIENT.slice(2))), 'recipient_id reached a log line');
    const [event] = await sql<{ payload: { recipient_id: string }; job_id: number }[]>`
      select payload, job_id from whatsapp_status_events where message_id = ${messageId}`;
    assert.equal(event?.payload.recipient_id, '+91******3210');
    assert.equal(event?.job_id, jobId);
  });

  it('answers 503 when no app secret is configured, so unsigned events are never trusted', async () => {
    const bare = createApp(createAppDeps(testConfig({ WHATSAPP_PROVIDER: 'outbox' }), { logger, sql, temporal }));
    const body = statusesBody([status('wamid.x', 'read', 1)]);
    const response = await post(body, 'sha256=00', bare);
    assert.equal(response.status, 503);
    assert.match(String((await errorBody(response)).message), /WHATSAPP_APP_SECRET/);
  });
});
