import { createDeliveryActivities } from '../activities/closeup/delivery.activities.js';
import { createCloseupJobActivities } from '../activities/closeup/job.activities.js';
import { createLipsyncActivities } from '../activities/closeup/lipsync.activities.js';
import { createOtpActivities } from '../activities/closeup/otp.activities.js';
import { createPhotoActivities } from '../activities/closeup/photo.activities.js';
import { createRecipientResolver } from '../activities/closeup/recipient.js';
import { createStitchingActivities } from '../activities/closeup/stitching.activities.js';
import { adminRouter } from '../api/admin/admin.index.js';
import { authRouter } from '../api/auth/auth.index.js';
import { canReadCloseupJob } from '../api/closeup/job-access.js';
import { createRouter } from '../api/lib/router.js';
import { photoValidationRouter } from '../api/photo-validation/photo-validation.index.js';
import { videoRouter } from '../api/video/video.index.js';
import { whatsappRouter } from '../api/whatsapp/whatsapp.index.js';
import { createJobStore } from '../db/jobs/store.js';
import { PIPELINE, TERMINAL_STATUSES } from '../workflows/closeup/contract.js';
import type { PipelineDefinition } from './types.js';

/** Close-Up (../shared/seeds/closeup-submission-scenarios.md): form + selfie → OTP → lip-sync video on WhatsApp. */
export const closeupPipeline: PipelineDefinition = {
  name: PIPELINE,
  workflows: ['closeupSubmissionWorkflow', 'closeupDeliveryWorkflow'],
  createActivities({ sql, config, logger, providers }) {
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
  },
  router: createRouter().route('/', whatsappRouter).route('/', photoValidationRouter).route('/', videoRouter).route('/', authRouter).route('/', adminRouter),
  canRead: canReadCloseupJob,
  terminalStatuses: TERMINAL_STATUSES,
  retryStatus: 'queued',
};
