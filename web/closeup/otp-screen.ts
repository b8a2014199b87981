import { api, errorBody } from '../shared/api.js';
import { byId } from '../shared/dom.js';
import { toast } from '../shared/toast.js';

/**
 * The OTP screen: POST /api/v1/auth/verify-otp with the 6-digit code, and "Resend code"
 * (POST /api/v1/auth/resend-otp) disabled through the server's cooldown, counted down each second.
 */
export function setupOtpScreen(options: { cooldownSeconds: number; verified(jobId: number): void; back(): void }) {
  const form = byId('otp-form', HTMLFormElement);
  const input = byId('otp', HTMLInputElement);
  const hint = byId('otp-hint', HTMLParagraphElement);
  const number = byId('otp-number', HTMLSpanElement);
  const resend = byId('resend', HTMLButtonElement);
  const verify = byId('verify', HTMLButtonElement);
  let mobile = '';
  let countdown: ReturnType<typeof setInterval> | undefined;

  function coolDown(seconds: number) {
    clearInterval(countdown);
    const until = Date.now() + seconds * 1000;
    const tick = () => {
      const left = Math.ceil((until - Date.now()) / 1000);
      resend.disabled = left > 0;
      resend.textContent = left > 0 ? `Resend code in ${left} s` : 'Resend code';
      if (left <= 0) clearInterval(countdown);
    };
    tick();
    countdown = setInterval(tick, 1000);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const otp = input.value.replace(/\s/g, '');
    if (!/^\d{6}$/.test(otp)) {
      hint.textContent = 'The code has 6 digits.';
      input.focus();
      return;
    }
    verify.disabled = true;
    const { data, error } = await api
      .POST('/api/v1/auth/verify-otp', { body: { mobile_number: mobile, otp } })
      .catch(() => ({ data: undefined, error: { message: 'The connection failed: try again.' } }));
    verify.disabled = false;
    if (data) {
      clearInterval(countdown);
      toast('success', 'OTP verified successfully! 🎉');
      options.verified(data.job_id);
      return;
    }
    const body = errorBody(error);
    if (body.error === 'InvalidOtp') {
      toast('error', 'Invalid OTP. Please try again.');
      hint.textContent = `${body.attempts_left ?? 0} attempt${body.attempts_left === 1 ? '' : 's'} left.`;
    } else {
      toast('error', body.message ?? 'The code could not be checked.');
      hint.textContent = body.message ?? '';
    }
    input.select();
    input.focus();
  });

  resend.addEventListener('click', async () => {
    resend.disabled = true;
    const { data, error } = await api
      .POST('/api/v1/auth/resend-otp', { body: { mobile_number: mobile } })
      .catch(() => ({ data: undefined, error: { message: 'The connection failed: try again.' } }));
    if (data) {
      toast('info', 'New OTP sent successfully!');
      hint.textContent = 'A new code is on its way; the previous one no longer works.';
      input.value = '';
      input.focus();
      coolDown(options.cooldownSeconds);
      return;
    }
    const body = errorBody(error);
    toast('error', body.message ?? 'No new code could be sent.');
    coolDown(body.retry_after_seconds ?? 0);
  });

  byId('change-details', HTMLButtonElement).addEventListener('click', () => {
    clearInterval(countdown);
    options.back();
  });

  return {
    /** Opens the screen for `mobileNumber` (as the API echoed it); `retryAfterSeconds` when the API kept the code already sent. */
    open(mobileNumber: string, note: string, retryAfterSeconds?: number) {
      mobile = mobileNumber;
      number.textContent = `${mobileNumber.slice(0, 2)}******${mobileNumber.slice(-2)}`;
      hint.textContent = note;
      input.value = '';
      coolDown(retryAfterSeconds ?? options.cooldownSeconds);
    },
    focus: () => input.focus(),
  };
}
