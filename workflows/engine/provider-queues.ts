/**
 * The task queues of rate-limited providers, shared by workflows (which schedule activities there)
 * and workers (which poll them with the provider's limits). Workflow-safe: constants and pure
 * functions only.
 *
 * A provider's queue is named after the workflow's own queue (`<base>-groq`, …), as the feed's
 * generation queue is, so a test's or a deployment's unique base queue keeps its providers apart.
 */

/** Providers whose calls wait on a queue of their own, with a rate or concurrency limit there. */
export const PROVIDER_QUEUES = ['groq', 'whatsapp', 'sms', 'predictions'] as const;
export type ProviderQueue = (typeof PROVIDER_QUEUES)[number];

/**
 * The activities each provider queue runs: every activity that calls that provider, and nothing
 * else. Groq: photo validation, ad scripts and MV scene plans (chat completions), voice-overs and
 * dubbing speech (its speech endpoint). Predictions: every activity that creates and polls a
 * prediction (lip-sync, dubbing's lip-sync, video generation, MV scenes and character
 * references); the feed's renders keep their own queue (`feedGenerationTaskQueue`).
 */
export const PROVIDER_QUEUE_ACTIVITIES = {
  groq: ['validatePhoto', 'writeAdScript', 'planMvScenes', 'synthesizeVoiceover', 'speakTranscript'],
  whatsapp: ['deliverVideo'],
  sms: ['sendOtp'],
  predictions: ['generateLipsync', 'lipsyncDub', 'generateVideo', 'generateMvScene', 'renderCharacterReference'],
} as const satisfies Record<ProviderQueue, readonly string[]>;

/** The queue a provider's activities are scheduled on, for a workflow on `baseTaskQueue` (in a workflow: `workflowInfo().taskQueue`). */
export const providerTaskQueue = (baseTaskQueue: string, provider: ProviderQueue): string => `${baseTaskQueue}-${provider}`;
