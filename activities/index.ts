import type { Sql } from '../db/client.js';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import { createDeliveryActivities } from './closeup/delivery.activities.js';
import { createJobActivities } from './jobs/job-activities.js';
import { createRecipientResolver } from './closeup/recipient.js';
import { createLipsyncActivities } from './closeup/lipsync.activities.js';
import { createOtpActivities } from './closeup/otp.activities.js';
import { createPhotoActivities } from './closeup/photo.activities.js';
import type { Providers } from '../providers/index.js';
import { createSelfTestActivities } from './self-test.js';
import { createStitchingActivities } from './closeup/stitching.activities.js';

/** Everything an activity may touch, injected so tests and the worker wire the same code to real services. */
export interface ActivityDeps {
  sql: Sql;
  config: Config;
  logger: Logger;
  providers: Providers;
  workerIdentity: string;
}

export function createActivities(deps: ActivityDeps) {
  const { sql, config, logger, providers } = deps;
  const phoneKeys = { encryptionKey: config.PHONE_ENCRYPTION_KEY, indexKey: config.PHONE_HASH_KEY };
  return {
    ...createSelfTestActivities(deps),
    ...createJobActivities({ sql }),
    ...createOtpActivities({ sql, sender: providers.otpSender, phoneKeys, otpExpiryMinutes: config.OTP_EXPIRY_MINUTES }),
    ...createPhotoActivities({ storage: providers.storage, validator: providers.photoValidator }),
    ...createLipsyncActivities({ storage: providers.storage, generator: providers.lipsync }),
    ...createStitchingActivities({ storage: providers.storage, config }),
    ...createDeliveryActivities({
      sql,
      delivery: providers.delivery,
      storage: providers.storage,
      resolveRecipient: createRecipientResolver(sql, phoneKeys),
      logger,
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
