import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../lib/types.js';
import { resendOtp as resend, verifyOtp as verify } from '../closeup/otp-verification.js';
import type * as routes from './auth.routes.js';

export const verifyOtp: RouteHandler<typeof routes.verifyOtp, AppEnv> = async (c) => {
  const body = c.req.valid('json');
  const { jobId } = await verify(c.var.deps, body.mobile_number, body.otp);
  c.var.logger.info({ jobId }, 'otp verified');
  return c.json({ status: 'verified' as const, message: 'Verification successful', job_id: jobId }, 200);
};

export const resendOtp: RouteHandler<typeof routes.resendOtp, AppEnv> = async (c) => {
  const { jobId } = await resend(c.var.deps, c.req.valid('json').mobile_number);
  return c.json({ status: 'otp_sent' as const, message: 'New OTP sent successfully!', job_id: jobId }, 200);
};
