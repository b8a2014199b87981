import { createHmac, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { readBody, sendJson, startLoopbackServer } from './loopback.js';
import { createRateLimiter, type RateLimitOption } from './rate-limit.js';

/**
 * The WhatsApp Cloud API (Graph) as documented: media upload (multipart), template messages,
 * errors as {error:{message,type,code,error_subcode?,error_data?,fbtrace_id}}, and status
 * webhooks signed with X-Hub-Signature-256 carrying biz_opaque_callback_data.
 */

export type GraphAnswer = { status: number; body: unknown; headers?: Record<string, string> } | 'hang';

/** Documented Graph error answers, as Meta sends them. */
export function graphError(code: number, message: string, options: { status?: number; details?: string; headers?: Record<string, string> } = {}): GraphAnswer {
  return {
    status: options.status ?? 400,
    headers: options.headers ?? {},
    body: {
      error: {
        message: `(#${code}) ${message}`,
        type: 'OAuthException',
        code,
        ...(options.details ? { error_data: { messaging_product: 'whatsapp', details: options.details } } : {}),
        fbtrace_id: `A${randomBytes(8).toString('hex')}`,
      },
    },
  };
}

export const GRAPH_ERRORS = {
  throughput: () => graphError(130429, 'Rate limit hit', { details: 'Cloud API message throughput has been reached.' }),
  throughputRetryAfter: (seconds: number) =>
    graphError(130429, 'Rate limit hit', { status: 429, headers: { 'retry-after': String(seconds) }, details: 'Cloud API message throughput has been reached.' }),
  pairRateLimit: () => graphError(131056, '(Business Account, Consumer Account) pair rate limit hit', { details: 'Too many messages sent from this phone number to the same phone number in a short period of time.' }),
  undeliverable: () => graphError(131026, 'Message Undeliverable', { details: 'Unable to deliver message.' }),
  reEngagement: () => graphError(131047, 'Re-engagement message', { details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' }),
  templateMissing: () => graphError(132001, 'Template name does not exist in the translation', { details: 'template name (closeup_video_ready) does not exist in en' }),
  internal: () => graphError(1, 'An unknown error occurred', { status: 500 }),
} as const;

export interface FakeUpload {
  id: string;
  messagingProduct: string | null;
  type: string | null;
  fileName: string | null;
  fileType: string | null;
  size: number;
}

export interface FakeMessage {
  id: string;
  to: string;
  templateName: string;
  languageCode: string;
  headerVideo: { id?: string; link?: string };
  bizOpaqueCallbackData: string | undefined;
}

export interface WhatsAppCloudFakeOptions {
  phoneNumberId: string;
  accessToken: string;
  approvedTemplates?: string[];
  /** Where status webhooks go (our API), signed with the app secret; none are sent without it. */
  statusWebhook?: { url: string; appSecret: string };
  /** Announce each accepted message with a `sent` status webhook, as Meta does (default true). */
  autoSentWebhook?: boolean;
  /** Delay before answering a send the fake has already accepted (and announced by webhook). */
  sendDelayMs?: number;
  /**
   * Messages per second (the business number's throughput); sends beyond it are answered with
   * the throughput error 130429 as Meta documents it (HTTP 400, no Retry-After), counted in
   * `tooManyRequests`. Media uploads are not messages and are not limited.
   */
  rateLimit?: RateLimitOption;
}

export async function startWhatsAppCloudFake(options: WhatsAppCloudFakeOptions) {
  const uploads: FakeUpload[] = [];
  const messages: FakeMessage[] = [];
  const script = { media: [] as GraphAnswer[], messages: [] as GraphAnswer[] };
  const settings = { sendDelayMs: options.sendDelayMs ?? 0 };
  const templates = options.approvedTemplates ?? ['closeup_video_ready'];
  const webhookResults: number[] = [];
  const pending = new Set<Promise<unknown>>();
  const closing = new AbortController();
  const limiter = createRateLimiter(options.rateLimit);

  const answer = (response: ServerResponse, scripted: GraphAnswer) => {
    if (scripted !== 'hang') sendJson(response, scripted.status, scripted.body, scripted.headers);
  };

  async function emitStatus(message: FakeMessage, status: 'sent' | 'delivered' | 'read' | 'failed', errors?: { code: number; title: string; message?: string }[]): Promise<number> {
    if (!options.statusWebhook) throw new Error('the fake has no status webhook to call');
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550783881', phone_number_id: options.phoneNumberId },
                statuses: [
                  {
                    id: message.id,
                    status,
                    timestamp: String(Math.floor(Date.now() / 1000)),
                    recipient_id: message.to.replace(/\D/g, ''),
                    ...(message.bizOpaqueCallbackData ? { biz_opaque_callback_data: message.bizOpaqueCallbackData } : {}),
                    ...(status === 'sent' ? { pricing: { billable: true, pricing_model: 'PMP', category: 'marketing', type: 'regular' } } : {}),
                    ...(errors ? { errors } : {}),
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    const signature = createHmac('sha256', options.statusWebhook.appSecret).update(body).digest('hex');
    const response = await fetch(options.statusWebhook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${signature}` },
      body,
    });
    await response.arrayBuffer();
    webhookResults.push(response.status);
    return response.status;
  }

  const server = await startLoopbackServer(async (request, response) => {
    const raw = await readBody(request);
    if (request.headers.authorization !== `Bearer ${options.accessToken}`) {
      return answer(response, graphError(190, 'Invalid OAuth access token - Cannot parse access token', { status: 401 }));
    }
    if (request.method === 'POST' && request.url === `/${options.phoneNumberId}/media`) {
      const scripted = script.media.shift();
      if (scripted) return answer(response, scripted);
      const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': String(request.headers['content-type']) }, body: raw }).formData();
      const file = form.get('file');
      if (!(file instanceof Blob)) return answer(response, graphError(100, 'The parameter file is required.'));
      const upload: FakeUpload = {
        id: String(4_000_000_000_000_000 + uploads.length + 1),
        messagingProduct: form.get('messaging_product') as string | null,
        type: form.get('type') as string | null,
        fileName: file instanceof File ? file.name : null,
        fileType: file.type || null,
        size: file.size,
      };
      if (upload.messagingProduct !== 'whatsapp') return answer(response, graphError(100, 'The parameter messaging_product is required.'));
      uploads.push(upload);
      return sendJson(response, 200, { id: upload.id });
    }
    if (request.method === 'POST' && request.url === `/${options.phoneNumberId}/messages`) {
      if (!limiter.admit()) return answer(response, GRAPH_ERRORS.throughput());
      const scripted = script.messages.shift();
      if (scripted) return answer(response, scripted);
      const body = JSON.parse(raw.toString('utf8')) as {
        messaging_product?: string;
        to?: string;
        type?: string;
        template?: { name?: string; language?: { code?: string }; components?: { type: string; parameters?: { type: string; video?: { id?: string; link?: string } }[] }[] };
        biz_opaque_callback_data?: string;
      };
      if (body.messaging_product !== 'whatsapp' || body.type !== 'template' || !body.to) {
        return answer(response, graphError(100, 'Invalid parameter'));
      }
      if (!templates.includes(body.template?.name ?? '')) return answer(response, GRAPH_ERRORS.templateMissing());
      const video = body.template?.components?.find((component) => component.type === 'header')?.parameters?.find((parameter) => parameter.type === 'video')?.video;
      if (!video || (video.id && !uploads.some((upload) => upload.id === video.id))) {
        return answer(response, graphError(131053, 'Media upload error', { details: 'Unable to find the media for the header video.' }));
      }
      const message: FakeMessage = {
        id: `wamid.HBgM${randomBytes(12).toString('hex').toUpperCase()}`,
        to: body.to,
        templateName: body.template?.name ?? '',
        languageCode: body.template?.language?.code ?? '',
        headerVideo: video,
        bizOpaqueCallbackData: body.biz_opaque_callback_data,
      };
      // Accepted the moment it arrives, as Meta does: a client that dies now has still sent it.
      messages.push(message);
      if (options.statusWebhook && options.autoSentWebhook !== false) {
        const emitted = sleep(50).then(() => emitStatus(message, 'sent')).catch(() => webhookResults.push(0));
        pending.add(emitted);
        void emitted.finally(() => pending.delete(emitted));
      }
      if (settings.sendDelayMs > 0) {
        const finished = await sleep(settings.sendDelayMs, true, { signal: closing.signal }).catch(() => false);
        if (!finished) return;
      }
      return sendJson(response, 200, {
        messaging_product: 'whatsapp',
        contacts: [{ input: body.to, wa_id: body.to.replace(/\D/g, '') }],
        messages: [{ id: message.id, message_status: 'accepted' }],
      });
    }
    answer(response, graphError(100, `Unsupported request ${request.method} ${request.url}`));
  });

  return {
    ...server,
    uploads,
    messages,
    script,
    settings,
    webhookResults,
    emitStatus,
    /** Sends refused with 130429 because they came beyond `rateLimit`. */
    get tooManyRequests() {
      return limiter.refused;
    },
    /** Waits for the status webhooks the fake has started sending. */
    settled: () => Promise.allSettled([...pending]),
    close: async () => {
      closing.abort();
      await Promise.allSettled([...pending]);
      await server.close();
    },
  };
}

export type WhatsAppCloudFake = Awaited<ReturnType<typeof startWhatsAppCloudFake>>;
