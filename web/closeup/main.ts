import { byId, showView } from '../shared/dom.js';
import { toast } from '../shared/toast.js';
import { setupOtpScreen } from './otp-screen.js';
import { setupProgressView } from './progress-view.js';
import { setupSubmitForm } from './submit-form.js';
import { jobInHash, tokenOf } from './tracked-jobs.js';

/**
 * The Close-Up page (/closeup/): the form, the OTP screen and a job's progress, one shown at a
 * time. `#job=<id>` shows a job this browser submitted (its tracking token is kept locally), so a
 * reload or the "already being processed" link follows it.
 */

const root = byId('closeup', HTMLElement);
const formView = byId('form-view', HTMLElement);
const otpView = byId('otp-view', HTMLElement);
const progressView = byId('progress-view', HTMLElement);
const views = [formView, otpView, progressView];

const progress = setupProgressView();
const track = (jobId: number) => {
  location.hash = `#job=${jobId}`;
};
const form = setupSubmitForm({
  otpSent({ mobile, note, retryAfterSeconds }) {
    otp.open(mobile, note, retryAfterSeconds);
    showView(views, otpView);
    otp.focus();
  },
  track,
});
const otp = setupOtpScreen({
  cooldownSeconds: Number(root.dataset.otpResendCooldownSeconds) || 60,
  // The job waiting for the code is the one submitted: its token was kept with the submit answer.
  verified: track,
  back: () => showView(views, formView),
});

function route() {
  const jobId = jobInHash(location.hash);
  if (jobId === undefined) {
    progress.stop();
    if (!progressView.hidden) showView(views, formView);
    return;
  }
  const token = tokenOf(jobId);
  if (!token) {
    toast('error', `This browser has no tracking link for job #${jobId}.`);
    showView(views, formView);
    return;
  }
  showView(views, progressView);
  progress.follow(jobId, token);
}

byId('new-video', HTMLButtonElement).addEventListener('click', () => {
  form.resetPhoto();
  location.hash = '';
});
window.addEventListener('hashchange', route);
route();
