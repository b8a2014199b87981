import { createScratch } from '../../lib/scratch.js';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Sql } from '../../db/client.js';
import {
  adoptMessageId,
  claimSend,
  ensureDelivery,
  findUnconfirmedSend,
  recordDeliveryError,
  saveMediaId,
  saveMessageId,
  type DeliveryRow,
} from '../../db/deliveries.js';
import type { Logger } from '../../lib/logger.js';
import { maskPhone } from '../../lib/phone-mask.js';
import type { ActivityProgress, Storage, VideoDelivery, VideoSource } from '../../providers/ports.js';
import { activityProgress } from '../../providers/progress.js';
import { ProviderError, toActivityFailure } from '../../providers/provider-error.js';

/** WhatsApp media ids live 30 days; an older one is uploaded again rather than sent and refused. */
const MEDIA_ID_REUSE_MS = 29 * 24 * 3600 * 1000;
const HEARTBEAT_EVERY_MS = 1000;
const WEBHOOK_POLL_MS = 1000;

export interface DeliveryActivityDeps {
  sql: Sql;
  delivery: VideoDelivery;
  storage: Storage;
  /** Decrypts the job's phone number (E.164); only this activity ever holds it. */
  resolveRecipient: (jobId: number) => Promise<string>;
  logger: Logger;
  /**
   * How long after an unconfirmed send (an attempt that called the provider and then died) to
   * wait for that message's status webhook before sending again. Measured from the send's
   * start by the database clock, so it spans retries.
   */
  unconfirmedSendGraceMs?: number;
  /** Where the video is downloaded for upload; a fresh folder per attempt, always removed. */
  tempRoot?: string;
}

export interface DeliveredVideo {
  messageId: string;
  provider: VideoDelivery['name'];
  /** True when an earlier attempt had already sent it (nothing was sent this time). */
  alreadySent: boolean;
}

/**
 * One WhatsApp message per job, although activities run at least once and an admin reset
 * replays them. The deliveries row is the ledger:
 * - a stored message id means sent: it is returned and nothing is sent;
 * - a stored media id is reused (uploaded again only when missing or near its 30-day expiry);
 * - the message id is stored right after the provider returns it, before the activity completes;
 * - `send_started_at` without a message id is a send whose outcome is unknown (the worker died,
 *   or the call timed out, after the request may have reached Meta). The Cloud API has no
 *   idempotency key, but every status webhook carries the job id (biz_opaque_callback_data):
 *   the activity waits for such a webhook until `unconfirmedSendGraceMs` after that send began,
 *   adopts its message id if one arrives, and only then sends again. A message whose webhook is
 *   later than the grace can still be sent twice; that is the accepted residual risk.
 * - a claim on `send_attempts` stops two live attempts (one of them timed out) from both sending.
 */
export function createDeliveryActivities(deps: DeliveryActivityDeps) {
  const graceMs = deps.unconfirmedSendGraceMs ?? 120_000;
  const { sql, delivery } = deps;

  async function prepareVideo(row: DeliveryRow, videoKey: string, progress: ActivityProgress, log: Logger): Promise<VideoSource> {
    if (!delivery.uploadMedia) return { url: await deps.storage.signedUrl(videoKey) };
    if (row.media_id && row.media_uploaded_at && Date.now() - row.media_uploaded_at.getTime() < MEDIA_ID_REUSE_MS) {
      return { mediaId: row.media_id };
    }
    const scratch = await createScratch(`delivery-${row.job_id}`, deps.tempRoot);
    try {
      const path = join(scratch.path, 'video.mp4');
      await deps.storage.getToFile(videoKey, path);
      progress.heartbeat({ step: 'uploading' });
      const { mediaId } = await delivery.uploadMedia(path, progress.signal);
      await saveMediaId(sql, row.job_id, mediaId);
      log.info({ mediaId }, 'video uploaded as WhatsApp media');
      return { mediaId };
    } finally {
      await scratch.remove();
    }
  }

  /** The message id of an unconfirmed earlier send, if its status webhook arrives within the grace period. */
  async function awaitUnconfirmedSend(jobId: number, progress: ActivityProgress): Promise<string | undefined> {
    for (;;) {
      const { messageId, remainingMs } = await findUnconfirmedSend(sql, jobId, graceMs);
      if (messageId || remainingMs <= 0) return messageId;
      progress.heartbeat({ step: 'awaiting-status-webhook' });
      await sleep(Math.min(WEBHOOK_POLL_MS, remainingMs), undefined, { signal: progress.signal });
    }
  }

  async function deliver(jobId: number, videoKey: string, progress: ActivityProgress): Promise<DeliveredVideo> {
    const log = deps.logger.child({ jobId, provider: delivery.name });
    const row = await ensureDelivery(sql, jobId, delivery.name);
    if (row.message_id) {
      log.info({ messageId: row.message_id }, 'video already sent for this job; not sending again');
      return { messageId: row.message_id, provider: row.provider, alreadySent: true };
    }
    if (row.send_started_at && !delivery.repeatableSend) {
      const earlier = await awaitUnconfirmedSend(jobId, progress);
      if (earlier) {
        await adoptMessageId(sql, jobId, earlier);
        log.warn({ messageId: earlier }, 'an earlier attempt sent the video (its status webhook says so); not sending again');
        return { messageId: earlier, provider: delivery.name, alreadySent: true };
      }
      log.warn({ graceMs }, 'an earlier send was not confirmed by any status webhook within the grace period; sending again');
    }

    const to = await deps.resolveRecipient(jobId);
    const recordError = async (error: unknown, attempt?: number) => {
      if (!(error instanceof ProviderError)) return;
      const outcomeKnown = attempt !== undefined && providerAnswered(error);
      await recordDeliveryError(sql, jobId, { code: error.code, message: error.message, final: !error.retryable, outcomeKnown, ...(attempt !== undefined ? { attempt } : {}) });
    };
    const video = await prepareVideo(row, videoKey, progress, log).catch(async (error: unknown) => {
      await recordError(error);
      throw error;
    });
    const attempt = await claimSend(sql, jobId, delivery.name, row.send_attempts);
    if (attempt === undefined) {
      throw new ProviderError('DELIVERY_CONCURRENT_ATTEMPT', 'another attempt of this delivery is sending; this one stands back', { retryable: true });
    }
    progress.heartbeat({ step: 'sending', attempt });
    let messageId: string;
    try {
      ({ messageId } = await delivery.send({ jobId, to, video }, progress.signal));
    } catch (error) {
      await recordError(error, attempt);
      throw error;
    }
    if (!(await saveMessageId(sql, jobId, messageId))) {
      log.error({ messageId }, 'another attempt stored a different message id for this job: the video was sent twice');
    }
    log.info({ messageId, to: maskPhone(to) }, 'video sent');
    return { messageId, provider: delivery.name, alreadySent: false };
  }

  return {
    /** Sends the job's final video (a storage key) to the job's phone number, at most once per job. */
    async deliverVideo(input: { jobId: number; videoKey: string }): Promise<DeliveredVideo> {
      const context = activityProgress();
      let step: unknown = { step: 'starting' };
      const progress: ActivityProgress = { ...context, heartbeat: (details) => context.heartbeat((step = details)) };
      // Heartbeats through long uploads and sends too, so a dead worker is noticed within the heartbeat timeout.
      const beating = setInterval(() => context.heartbeat(step), HEARTBEAT_EVERY_MS);
      try {
        return await deliver(input.jobId, input.videoKey, progress);
      } catch (error) {
        throw toActivityFailure(error);
      } finally {
        clearInterval(beating);
      }
    },
  };
}

export type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;

/**
 * The provider answered with an error (WHATSAPP_131026, WHATSAPP_503 …), so no message went out.
 * Timeouts, network failures and unreadable answers leave the outcome unknown.
 */
function providerAnswered(error: ProviderError): boolean {
  return /_\d+$/.test(error.code);
}
