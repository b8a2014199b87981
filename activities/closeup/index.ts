import { createJobStore } from '../../db/jobs/store.js';
import type { ActivityDeps } from '../deps.js';
import { createDeliveryActivities } from './delivery.activities.js';
import { createCloseupJobActivities } from './job.activities.js';
import { createLipsyncActivities } from './lipsync.activities.js';
import { createOtpActivities } from './otp.activities.js';
import { createPhotoActivities } from './photo.activities.js';
import { createRecipientResolver } from './recipient.js';
import { createStitchingActivities } from './stitching.activities.js';

/** Close-Up's activities, wired to the worker's dependencies. */
export function createCloseupActivities({ sql, config, logger, providers }: ActivityDeps) {
  const phoneKeys = { encryptionKey: config.PHONE_ENCRYPTION_KEY, indexKey: config.PHONE_HASH_KEY };
  const store = createJobStore(sql);
  return {
    ...createCloseupJobActivities({ sql, store }),
    ...createOtpActivities({ sql, sender: providers.otpSender, phoneKeys, otpExpiryMinutes: config.OTP_EXPIRY_MINUTES }),
    ...createPhotoActivities({ storage: providers.storage, validator: providers.photoValidator }),
    ...createLipsyncActivities({ storage: providers.storage, generator: providers.lipsync, store }),
    ...createStitchingActivities({ storage: providers.storage, config, store }),
    ...createDeliveryActivities({ sql, delivery: providers.delivery, storage: providers.storage, resolveRecipient: createRecipientResolver(sql, phoneKeys), logger }),
  };
}
