import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../lib/errors.js';

export const verifyWebhook = createRoute({
  method: 'get',
  path: '/api/v1/whatsapp/webhook',
  operationId: 'verifyWhatsappWebhook',
  security: [],
  tags: ['WhatsApp'],
  summary: "Meta's webhook verification handshake",
  description:
    'Meta calls this when the webhook is configured: with `hub.mode=subscribe` and `hub.verify_token` equal to WHATSAPP_VERIFY_TOKEN, ' +
    'the answer is `hub.challenge` as text/plain. Answers 503 when WHATSAPP_VERIFY_TOKEN is not set.',
  request: {
    query: z.object({
      'hub.mode': z.string().optional(),
      'hub.verify_token': z.string().optional(),
      'hub.challenge': z.string().min(1),
    }),
  },
  responses: {
    200: { description: 'The challenge, echoed', content: { 'text/plain': { schema: z.string() } } },
    ...errorResponses(400, 403, 503),
  },
});

export const receiveStatuses = createRoute({
  method: 'post',
  path: '/api/v1/whatsapp/webhook',
  operationId: 'receiveWhatsappStatuses',
  security: [],
  tags: ['WhatsApp'],
  summary: 'Message status updates (sent, delivered, read, failed) from the WhatsApp Cloud API',
  description:
    'The body is a WhatsApp Business Account webhook (`entry[].changes[].value.statuses[]`), signed by Meta with ' +
    '`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body keyed with WHATSAPP_APP_SECRET>`: 401 when the header ' +
    'is missing, 403 when it does not match. Each status is recorded once (redeliveries are ignored) and moves the ' +
    "job's delivery forward, never back (read > delivered > sent). A status that cannot be read (a missing id, an odd field) is " +
    'skipped and logged with its reason, never a reason to refuse the batch: Meta would redeliver it, good statuses and all. ' +
    'Answers 503 when WHATSAPP_APP_SECRET is not set.',
  responses: {
    200: {
      description: 'Statuses recorded',
      content: {
        'application/json': {
          schema: z.object({ received: z.number().int(), recorded: z.number().int(), duplicates: z.number().int(), skipped: z.number().int() }).openapi('WhatsAppWebhookReceipt'),
        },
      },
    },
    ...errorResponses(400, 401, 403, 503),
  },
});
