import { debitForJob, ensureAccount, InsufficientCreditsError } from '../../db/credits/ledger.js';
import { createDubbingJob, lockSourceVideo } from '../../db/dubbing/jobs.js';
import { findUpload } from '../../db/library/uploads.js';
import type { SignedInUser } from '../../lib/auth/supabase-token.js';
import { dubbingWorkflow } from '../../workflows/dubbing/dubbing.js';
import { PIPELINE, TRANSCRIPT_CHARS_PER_VIDEO_SECOND, dubbingWorkflowId, transcriptAllowance, type DubbingInput, type Voice } from '../../workflows/dubbing/contract.js';
import { ApiError } from '../lib/errors.js';
import { jobStartOptions, startJobWorkflow } from '../lib/start-job.js';
import type { AppDeps } from '../lib/types.js';

/** What a dubbing request names: one video source, one transcript source, maybe a voice. */
export interface DubbingRequest {
  video: { s3VideoId: string } | { videoUploadId: string };
  transcript: { text: string } | { uploadId: string };
  voice: Voice | null;
}

export interface AcceptedDubbing {
  jobKey: string;
  sourceVideoId: string;
  transcriptChars: number;
  costDust: number;
}

/** The seed's 404 for a video that is not the caller's (another user's, deleted or absent): never 403. */
const videoNotFound = () => new ApiError(404, 'NotFound', 'Video not found');
const transcriptNotFound = () => new ApiError(404, 'NotFound', 'Transcript not found');

/** 422 TRANSCRIPT_TOO_LONG when the transcript could not be spoken within its video (transcriptAllowance). */
function assertTranscriptFits(transcript: string, durationSeconds: number | null): void {
  const characters = Array.from(transcript).length;
  const allowance = transcriptAllowance(durationSeconds ?? 0);
  if (characters <= allowance) return;
  const length = durationSeconds === null ? 'a video of unknown length' : `a ${durationSeconds} s video`;
  throw new ApiError(
    422,
    'UnprocessableEntity',
    `The transcript has ${characters} characters; ${length} carries at most ${allowance} (${TRANSCRIPT_CHARS_PER_VIDEO_SECOND} per second of video). Shorten it.`,
    { code: 'TRANSCRIPT_TOO_LONG', characters, allowed: allowance },
  );
}

/** The library video id a request names: s3_video_id as given, video_upload_id through the caller's upload. */
async function videoIdOf(deps: AppDeps, user: SignedInUser, video: DubbingRequest['video']): Promise<string> {
  if ('s3VideoId' in video) return video.s3VideoId;
  const upload = await findUpload(deps.sql, user.id, video.videoUploadId);
  if (upload?.kind !== 'video') throw videoNotFound();
  return upload.videoId;
}

async function transcriptOf(deps: AppDeps, user: SignedInUser, transcript: DubbingRequest['transcript']): Promise<string> {
  if ('text' in transcript) return transcript.text;
  const upload = await findUpload(deps.sql, user.id, transcript.uploadId);
  if (upload?.kind !== 'transcript') throw transcriptNotFound();
  return upload.transcript;
}

/**
 * Accepts a dubbing request. The sources are resolved first (404 "Video not found" / "Transcript
 * not found" for anything not the caller's); then in one transaction the account is made on first
 * sight, the source video is locked against deletion (`for share`; 404 if it was deleted
 * meanwhile), DUBBING_COST is debited (402 InsufficientCredits), the workflow is started and the
 * job is written — so a refusal leaves no job and no charge, and the library's DELETE, which
 * locks the row `for update`, sees the job once it may delete. The workflow's first activity waits
 * for this transaction (startJobWorkflow) and does nothing if it rolled back.
 */
export async function acceptDubbing(deps: AppDeps, user: SignedInUser, request: DubbingRequest): Promise<AcceptedDubbing> {
  const videoId = await videoIdOf(deps, user, request.video);
  const transcript = await transcriptOf(deps, user, request.transcript);
  const cost = deps.config.DUBBING_COST;
  const job = await deps.store.reserve();
  const workflowId = dubbingWorkflowId(job.key);

  return deps.sql.begin(async (tx): Promise<AcceptedDubbing> => {
    await ensureAccount(tx, { id: user.id, email: user.email }, deps.config.DUST_STARTING_BALANCE);
    const locked = await lockSourceVideo(tx, user.id, videoId);
    if (!locked) throw videoNotFound();
    const { source } = locked;
    assertTranscriptFits(transcript, locked.durationSeconds);
    try {
      await debitForJob(tx, user.id, job.id, cost, `dubbing job ${job.key}`);
    } catch (error) {
      if (error instanceof InsufficientCreditsError) {
        throw new ApiError(402, 'InsufficientCredits', error.message, undefined, { balance: error.balance, required: error.required, currency: 'DUST' });
      }
      throw error;
    }
    const input: DubbingInput = {
      job,
      accountId: user.id,
      source,
      transcript,
      voice: request.voice,
      tuning: { heartbeatTimeoutMs: deps.config.ACTIVITY_HEARTBEAT_TIMEOUT_SECONDS * 1000 },
    };
    const handle = await startJobWorkflow(deps, tx, job.id, () =>
      deps.temporal.workflow.start(dubbingWorkflow, jobStartOptions(deps, { pipeline: PIPELINE, workflowId, input, status: 'queued' })),
    );
    await createDubbingJob(deps.store, tx, { input, workflowId, originRunId: handle.firstExecutionRunId, costDust: cost });
    return { jobKey: job.key, sourceVideoId: source.id, transcriptChars: Array.from(transcript).length, costDust: cost };
  });
}
