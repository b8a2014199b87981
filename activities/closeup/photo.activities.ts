import { storageKey } from '../../providers/storage/keys.js';
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { intakePhoto, PhotoIntakeError, renderPortrait, type IntakePhoto } from '../../lib/media/image-intake.js';
import type { PhotoValidator, PhotoVerdict, Storage } from '../../providers/ports.js';
import { ProviderError, toActivityFailure } from '../../providers/provider-error.js';
import { GROQ_UNPARSEABLE_ANSWER } from '../../providers/photo-validation/groq-validator.js';

/**
 * How often an answer that is not a label is retried. Temporal retry policies cannot cap attempts
 * per failure type, so the activity counts: an unparseable answer on attempt 3 or later (whatever
 * failed the earlier attempts) fails the stage as non-retryable GROQ_UNPARSEABLE_ANSWER.
 */
export const UNPARSEABLE_ANSWER_MAX_ATTEMPTS = 3;

export interface PhotoValidationInput {
  jobId: number;
  /** The stored selfie, as uploaded (intake runs again here: stored bytes are not trusted). */
  selfieKey: string;
}

export interface PhotoValidationResult extends PhotoVerdict {
  /** The 720×1280 portrait for the next stages; null when the photo was rejected (nothing is stored then). */
  portraitKey: string | null;
}

/** Derived from the selfie, so a retried or reset attempt overwrites its own portrait instead of leaving orphans. */
export function portraitKeyFor(input: PhotoValidationInput): string {
  const digest = createHash('sha256').update(input.selfieKey).digest('hex').slice(0, 32);
  return storageKey({ job: input.jobId }, 'portrait', 'jpg', digest);
}

function giveUpOnRepeatedNonsense(error: unknown, attempt: number): unknown {
  if (error instanceof ProviderError && error.code === GROQ_UNPARSEABLE_ANSWER && error.retryable && attempt >= UNPARSEABLE_ANSWER_MAX_ATTEMPTS) {
    return new ProviderError(error.code, `${error.message} (attempt ${attempt}; not retried further)`, { retryable: false, cause: error });
  }
  return error;
}

export function createPhotoActivities(deps: { storage: Storage; validator: PhotoValidator }) {
  return {
    /**
     * The photo_processing stage. A rejected photo is a result, not a failure: the workflow
     * decides what the user is told. Provider failures throw with their code as failure type.
     */
    async validatePhoto(input: PhotoValidationInput): Promise<PhotoValidationResult> {
      const context = Context.current();
      let photo: IntakePhoto;
      try {
        photo = await intakePhoto(await deps.storage.getBuffer(input.selfieKey));
      } catch (error) {
        if (!(error instanceof PhotoIntakeError)) throw error;
        return {
          label: 'REJECT_INVALID',
          reason: error.message,
          usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
          validator: deps.validator.name,
          portraitKey: null,
        };
      }
      let verdict: PhotoVerdict;
      try {
        verdict = await deps.validator.validate(photo.jpeg, context.cancellationSignal);
      } catch (error) {
        throw toActivityFailure(giveUpOnRepeatedNonsense(error, context.info.attempt));
      }
      if (verdict.label !== 'APPROVED') return { ...verdict, portraitKey: null };
      const portraitKey = portraitKeyFor(input);
      await deps.storage.putBuffer(portraitKey, await renderPortrait(photo.jpeg), 'image/jpeg');
      return { ...verdict, portraitKey };
    },
  };
}

export type PhotoActivities = ReturnType<typeof createPhotoActivities>;
