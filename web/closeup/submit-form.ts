import { api, errorBody, formBody, toFormData, type MultipartBody } from '../shared/api.js';
import { byId } from '../shared/dom.js';
import { toast } from '../shared/toast.js';
import { setupSelfie } from './camera.js';
import { statusLabel } from './progress-view.js';
import { rememberToken, tokenOf } from './tracked-jobs.js';

/** What the form hands on: a job waiting for its code, or a job to follow. */
export interface FormOutcomes {
  otpSent(job: { mobile: string; note: string; retryAfterSeconds?: number }): void;
  track(jobId: number): void;
}

type SubmitBody = MultipartBody<'/api/v1/video/submit'>;
type Gender = SubmitBody['gender'];
const GENDERS: readonly string[] = ['male', 'female', 'other'] satisfies Gender[];
const isGender = (value: string): value is Gender => GENDERS.includes(value);

/**
 * The seed's form: details, a selfie checked by POST /api/v1/photo-validation/check_photo before
 * it can be sent, then POST /api/v1/video/submit and its three answers (otp_sent, video_created,
 * pending) with the seed's toasts.
 */
export function setupSubmitForm(outcomes: FormOutcomes): { resetPhoto(): void } {
  const form = byId('submit-form', HTMLFormElement);
  const mobile = byId('mobile', HTMLInputElement);
  const submit = byId('submit', HTMLButtonElement);
  const status = byId('selfie-status', HTMLParagraphElement);
  const formError = byId('form-error', HTMLParagraphElement);
  const pendingJob = byId('pending-job', HTMLDivElement);
  let photo: Blob | undefined;
  let checking = 0;
  let sending = false;
  /** The number the API said already has a video in progress: submitting it again is blocked. */
  let blockedNumber: string | undefined;

  const digits = () => mobile.value.replace(/\D/g, '');
  const refresh = () => {
    submit.disabled = !photo || sending || (blockedNumber !== undefined && digits() === blockedNumber);
  };
  const say = (text: string) => (status.textContent = text);
  const fail = (text: string) => {
    formError.textContent = text;
    formError.hidden = !text;
  };

  async function check(candidate: Blob) {
    const attempt = ++checking;
    photo = undefined;
    refresh();
    say('Validating photo...');
    const dismiss = toast('info', 'Validating photo...');
    const { data, error } = await api
      .POST('/api/v1/photo-validation/check_photo', { body: formBody<MultipartBody<'/api/v1/photo-validation/check_photo'>>({ photo: candidate }), bodySerializer: toFormData })
      .catch(() => ({ data: undefined, error: { message: 'The connection failed.' } }));
    dismiss();
    if (attempt !== checking) return;
    if (data?.valid) {
      photo = candidate;
      toast('success', 'Photo validated successfully! ✓');
      say('Selfie approved.');
    } else {
      toast('error', 'Photo validation failed. Please retake.');
      say(data?.reason ?? errorBody(error).message ?? 'The photo could not be checked.');
    }
    refresh();
  }

  const selfie = setupSelfie((candidate) => void check(candidate), say);
  mobile.addEventListener('input', () => {
    pendingJob.hidden = true;
    refresh();
  });

  /** The seed's "shows existing job_id and status": the status and a link when this browser has the job's token. */
  async function showPending(jobId: number) {
    const text = document.createElement('p');
    text.textContent = `Job #${jobId} is still being processed.`;
    pendingJob.replaceChildren(text);
    pendingJob.hidden = false;
    const token = tokenOf(jobId);
    if (!token) return;
    const { data } = await api.GET('/api/v1/video/jobs/{job_id}', { params: { path: { job_id: jobId }, query: { tracking_token: token } } }).catch(() => ({ data: undefined }));
    const now = document.createElement('p');
    now.textContent = data ? `Now: ${statusLabel(data.status)}.` : '';
    const link = document.createElement('a');
    link.href = `#job=${jobId}`;
    link.className = 'button';
    link.textContent = `Track job #${jobId}`;
    pendingJob.append(now, link);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const field = (name: string) => String(data.get(name) ?? '').trim();
    const missing = [['mobile number', field('mobile_number')], ['gender', field('gender')], ['what you love', field('attribute_love')], ['relationship status', field('relationship_status')], ['vibe', field('vibe')]]
      .filter(([, value]) => !value)
      .map(([name]) => name);
    const gender = field('gender');
    if (missing.length > 0 || !photo || !isGender(gender)) {
      fail(`Please fill in: ${[...missing, ...(photo ? [] : ['an approved selfie'])].join(', ')}.`);
      return;
    }
    fail('');
    sending = true;
    refresh();
    const body = formBody<SubmitBody>({
      mobile_number: field('mobile_number'),
      gender,
      attribute_love: field('attribute_love'),
      relationship_status: field('relationship_status'),
      vibe: field('vibe'),
      photo,
    });
    const answer = await api.POST('/api/v1/video/submit', { body, bodySerializer: toFormData }).catch(() => ({ data: undefined, error: { message: 'The connection failed: check your network and try again.' } }));
    sending = false;
    refresh();
    const { data: outcome } = answer;
    if (!outcome) {
      toast('error', 'Failed to submit video.');
      fail(errorBody(answer.error).message ?? '');
      return;
    }
    if (outcome.tracking_token) rememberToken(outcome.job_id, outcome.tracking_token);
    if (outcome.status === 'pending') {
      toast('warning', 'Your previous video is still being processed. Please wait...');
      blockedNumber = digits();
      refresh();
      void showPending(outcome.job_id);
    } else if (outcome.status === 'otp_sent') {
      outcomes.otpSent({ mobile: outcome.mobile_number, note: outcome.message, ...(outcome.retry_after_seconds ? { retryAfterSeconds: outcome.retry_after_seconds } : {}) });
    } else {
      toast('success', 'Video submitted successfully!');
      outcomes.track(outcome.job_id);
    }
  });

  return {
    resetPhoto() {
      photo = undefined;
      checking++;
      selfie.reset();
      say('No selfie yet.');
      refresh();
    },
  };
}
