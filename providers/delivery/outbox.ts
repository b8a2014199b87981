import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/client.js';
import type { Logger } from '../../lib/logger.js';
import { maskPhone } from '../../lib/phone-mask.js';
import type { VideoDelivery } from '../ports.js';

/**
 * Local delivery: the message a real deployment would send is written to `whatsapp_outbox` (one
 * row per job, recipient masked) and logged with the video's signed URL, so a developer can
 * watch what the user would get. Sending again for a job returns the first message's id.
 */
export function createOutboxDelivery(deps: { sql: Sql; logger: Logger; templateName: string; templateLang: string }): VideoDelivery {
  return {
    name: 'outbox',
    repeatableSend: true,
    async send(message) {
      if (!('url' in message.video)) throw new Error('the outbox records a link to the video, not an uploaded media id');
      const recipient = maskPhone(message.to);
      const [inserted] = await deps.sql<{ message_id: string }[]>`
        insert into whatsapp_outbox (message_id, job_id, recipient_masked, template_name, template_lang, video_url)
        values (${`outbox-${randomUUID()}`}, ${message.jobId}, ${recipient}, ${deps.templateName}, ${deps.templateLang}, ${message.video.url})
        on conflict (job_id) do nothing
        returning message_id`;
      if (inserted) {
        deps.logger.info(
          { jobId: message.jobId, to: recipient, messageId: inserted.message_id, template: deps.templateName, videoUrl: message.video.url },
          '[whatsapp outbox] video message recorded (not sent: WHATSAPP_PROVIDER=outbox)',
        );
        return { messageId: inserted.message_id };
      }
      const [existing] = await deps.sql<{ message_id: string }[]>`select message_id from whatsapp_outbox where job_id = ${message.jobId}`;
      if (!existing) throw new Error(`outbox row of job ${message.jobId} vanished`);
      return { messageId: existing.message_id };
    },
  };
}
