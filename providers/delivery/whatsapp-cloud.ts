import { openAsBlob } from 'node:fs';
import { z } from 'zod';
import { httpJson } from '../http.js';
import { ProviderError } from '../provider-error.js';
import type { VideoDelivery } from '../ports.js';
import { classifyGraphError } from './graph-errors.js';

const MediaUploaded = z.object({ id: z.string().min(1) });
const MessageAccepted = z.object({ messages: z.array(z.object({ id: z.string().min(1) })).min(1) });

export interface WhatsAppCloudOptions {
  baseUrl: string;
  phoneNumberId: string;
  accessToken: string;
  templateName: string;
  templateLang: string;
  uploadTimeoutMs?: number;
  sendTimeoutMs?: number;
}

/**
 * WhatsApp Cloud API: the video is uploaded as media, then sent in the approved template's VIDEO
 * header (people who filled a form have no open 24 h window, so a free-form message would be refused).
 * The job id rides along as biz_opaque_callback_data and comes back on every status webhook.
 */
export function createWhatsAppCloudDelivery(options: WhatsAppCloudOptions): VideoDelivery {
  const base = `${options.baseUrl.replace(/\/$/, '')}/${encodeURIComponent(options.phoneNumberId)}`;
  const authorization = `Bearer ${options.accessToken}`;
  return {
    name: 'cloud',
    repeatableSend: false,

    async uploadMedia(videoPath, signal) {
      const form = new FormData();
      form.append('messaging_product', 'whatsapp');
      form.append('type', 'video/mp4');
      form.append('file', await openAsBlob(videoPath, { type: 'video/mp4' }), 'video.mp4');
      const answer = await httpJson<unknown>({
        provider: 'WHATSAPP',
        url: `${base}/media`,
        method: 'POST',
        headers: { authorization },
        body: form,
        timeoutMs: options.uploadTimeoutMs ?? 120_000,
        classifyError: classifyGraphError,
        ...(signal ? { signal } : {}),
      });
      const uploaded = MediaUploaded.safeParse(answer);
      if (!uploaded.success) throw new ProviderError('WHATSAPP_BAD_RESPONSE', 'WhatsApp accepted the media upload but answered without a media id', { retryable: true });
      return { mediaId: uploaded.data.id };
    },

    async send(message, signal) {
      const video = 'mediaId' in message.video ? { id: message.video.mediaId } : { link: message.video.url };
      const answer = await httpJson<unknown>({
        provider: 'WHATSAPP',
        url: `${base}/messages`,
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to: message.to,
          type: 'template',
          template: {
            name: options.templateName,
            language: { code: options.templateLang },
            components: [{ type: 'header', parameters: [{ type: 'video', video }] }],
          },
          biz_opaque_callback_data: String(message.jobId),
        }),
        timeoutMs: options.sendTimeoutMs ?? 30_000,
        classifyError: classifyGraphError,
        ...(signal ? { signal } : {}),
      });
      const accepted = MessageAccepted.safeParse(answer);
      // Outcome unknown: the retry waits for a status webhook before sending again (activities/closeup/delivery.activities.ts).
      if (!accepted.success) throw new ProviderError('WHATSAPP_BAD_RESPONSE', 'WhatsApp answered the send without a message id', { retryable: true });
      return { messageId: accepted.data.messages[0]!.id };
    },
  };
}
