import { adminRouter } from '../api/admin/admin.index.js';
import { authRouter } from '../api/auth/auth.index.js';
import { canReadCloseupJob } from '../api/closeup/job-access.js';
import { createRouter } from '../api/lib/router.js';
import { photoValidationRouter } from '../api/photo-validation/photo-validation.index.js';
import { videoRouter } from '../api/video/video.index.js';
import { whatsappRouter } from '../api/whatsapp/whatsapp.index.js';
import { PIPELINE, TERMINAL_STATUSES } from '../workflows/closeup/contract.js';
import type { PipelineDefinition } from './types.js';

/** Close-Up (../shared/seeds/closeup-submission-scenarios.md): form + selfie → OTP → lip-sync video on WhatsApp. */
export const closeupPipeline: PipelineDefinition = {
  name: PIPELINE,
  workflows: ['closeupSubmissionWorkflow', 'closeupDeliveryWorkflow'],
  // Loaded by workers only: the API never imports activity code.
  loadActivities: () => import('../activities/closeup/index.js').then((module) => module.createCloseupActivities),
  router: createRouter().route('/', whatsappRouter).route('/', photoValidationRouter).route('/', videoRouter).route('/', authRouter).route('/', adminRouter),
  canRead: canReadCloseupJob,
  terminalStatuses: TERMINAL_STATUSES,
  retryStatus: 'queued',
};
