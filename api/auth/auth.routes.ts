import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses } from '../lib/errors.js';
import { MobileNumberSchema, OtpCodeSchema } from '../lib/fields.js';

export const VerifyOtpBodySchema = z
  .object({
    mobile_number: MobileNumberSchema,
    otp: OtpCodeSchema,
  })
  .openapi('VerifyOtpRequest');

export const ResendOtpBodySchema = z.object({ mobile_number: MobileNumberSchema }).openapi('ResendOtpRequest');

export const verifyOtp = createRoute({
  method: 'post',
  path: '/api/v1/auth/verify-otp',
  operationId: 'verifyCloseupOtp',
  security: [],
  tags: ['Auth'],
  summary: 'Checks the OTP of the job waiting for it; on success the number is verified for good and the job is queued',
  description:
    'Wrong code: 400 `InvalidOtp` with `attempts_left`. Expired or already used: 410. Attempts exhausted: 429. No OTP pending: 404; number already verified: 409.',
  request: { body: { required: true, content: { 'application/json': { schema: VerifyOtpBodySchema } } } },
  responses: {
    200: {
      description: 'Verified',
      content: {
        'application/json': {
          schema: z.object({ status: z.literal('verified'), message: z.string(), job_id: z.number().int() }).openapi('VerifyOtpResponse'),
        },
      },
    },
    ...errorResponses(400, 404, 409, 410, 429),
  },
});

export const resendOtp = createRoute({
  method: 'post',
  path: '/api/v1/auth/resend-otp',
  operationId: 'resendCloseupOtp',
  security: [],
  tags: ['Auth'],
  summary: 'Texts a new OTP for the job waiting for one; the previous code stops working',
  description: 'Inside the cooldown, or over the hourly cap per number: 429 with `retry_after_seconds`.',
  request: { body: { required: true, content: { 'application/json': { schema: ResendOtpBodySchema } } } },
  responses: {
    200: {
      description: 'A new code is on its way',
      content: {
        'application/json': {
          schema: z.object({ status: z.literal('otp_sent'), message: z.string(), job_id: z.number().int() }).openapi('ResendOtpResponse'),
        },
      },
    },
    ...errorResponses(400, 404, 409, 429),
  },
});
