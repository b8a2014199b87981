import type { RouteHandler } from '@hono/zod-openapi';
import { DELIVERY_STATUSES, recordStatusEvent, type WhatsAppStatus } from '../../db/deliveries.js';
import { maskPhone } from '../../lib/phone-mask.js';
import { ApiError } from '../lib/errors.js';
import type { AppEnv } from '../lib/types.js';
import { isValidHubSignature, secretsEqual } from './signature.js';
import { readStatusBatch, type StatusUpdate } from './status-batch.js';
import type { receiveStatuses, verifyWebhook } from './whatsapp.routes.js';

/** Without its secrets the webhook refuses everything, so unsigned status updates are never trusted. */
function notConfigured(variable: string): ApiError {
  return new ApiError(503, 'ServiceUnavailable', `The WhatsApp webhook is not configured on this server: set ${variable}`);
}

export const verify: RouteHandler<typeof verifyWebhook, AppEnv> = (c) => {
  const expected = c.var.deps.config.WHATSAPP_VERIFY_TOKEN;
  if (!expected) throw notConfigured('WHATSAPP_VERIFY_TOKEN');
  const query = c.req.valid('query');
  if (query['hub.mode'] !== 'subscribe' || !secretsEqual(query['hub.verify_token'] ?? '', expected)) {
    throw new ApiError(403, 'Forbidden', 'hub.mode must be subscribe and hub.verify_token must match WHATSAPP_VERIFY_TOKEN');
  }
  return c.text(query['hub.challenge'], 200);
};

const STATUSES = new Set<string>(DELIVERY_STATUSES.filter((status) => status !== 'pending'));

export const receive: RouteHandler<typeof receiveStatuses, AppEnv> = async (c) => {
  const { config, sql } = c.var.deps;
  if (!config.WHATSAPP_APP_SECRET) throw notConfigured('WHATSAPP_APP_SECRET');
  const signature = c.req.header('x-hub-signature-256');
  if (!signature) throw new ApiError(401, 'Unauthorized', 'X-Hub-Signature-256 header is missing');
  const raw = new Uint8Array(await c.req.arrayBuffer());
  if (!isValidHubSignature(raw, signature, config.WHATSAPP_APP_SECRET)) {
    throw new ApiError(403, 'Forbidden', 'X-Hub-Signature-256 does not match the body');
  }

  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    throw new ApiError(400, 'BadRequest', 'Body is not valid JSON');
  }
  const { updates, skipped } = readStatusBatch(body);
  for (const part of skipped) c.var.logger.warn(part, 'WhatsApp webhook part skipped');
  let recorded = 0;
  let duplicates = 0;
  for (const update of updates) {
    if (!STATUSES.has(update.status)) continue;
    const jobId = /^\d{1,15}$/.test(update.biz_opaque_callback_data ?? '') ? Number(update.biz_opaque_callback_data) : undefined;
    const errorCode = update.errors?.[0] ? `WHATSAPP_${update.errors[0].code}` : undefined;
    const isNew = await recordStatusEvent(sql, {
      messageId: update.id,
      status: update.status as WhatsAppStatus,
      jobId,
      occurredAt: new Date(update.timestamp * 1000),
      errorCode,
      payload: withoutPhoneNumber(update),
    });
    if (isNew) recorded += 1;
    else duplicates += 1;
    // Never the recipient: recipient_id is the user's phone number.
    c.var.logger.info({ messageId: update.id, status: update.status, jobId, errorCode, duplicate: !isNew }, 'WhatsApp status received');
  }
  return c.json({ received: updates.length, recorded, duplicates, skipped: skipped.length }, 200);
};

function withoutPhoneNumber(update: StatusUpdate): Record<string, unknown> {
  return { ...update, ...(update.recipient_id ? { recipient_id: maskPhone(update.recipient_id) } : {}) };
}
