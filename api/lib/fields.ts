import { z } from '@hono/zod-openapi';
import { normaliseIndianMobile } from '../../lib/phone.js';
import { plainTypedText } from '../../lib/typed-input.js';

/** An Indian mobile number in any spelling a phone or a person produces (see normaliseIndianMobile), parsed to E.164. */
export const MobileNumberSchema = z
  .string({ error: 'mobile_number is required' })
  .transform((value, ctx) => {
    const e164 = normaliseIndianMobile(value);
    if (!e164) {
      ctx.addIssue({ code: 'custom', message: 'must be an Indian mobile number: 10 digits starting with 6-9, optionally with +91 or a leading 0' });
      return z.NEVER;
    }
    return e164;
  })
  .openapi({ type: 'string', example: '9876543210' });

/**
 * The 6-digit OTP as typed, pasted or autofilled: digits of any script or width, invisible marks,
 * and the space or dash an SMS app shows in the middle ("123 456", "123-456") are read as plain digits.
 */
export const OtpCodeSchema = z
  .string({ error: 'otp is required' })
  .transform((value) => plainTypedText(value).replace(/(?<=\d)[ -](?=\d)/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'must be the 6-digit code'))
  .openapi({ type: 'string', example: '123456' });

/** A short free-text answer from the form: trimmed, printable, at most 60 characters. */
export const AnswerSchema = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .trim()
    .min(1, `${name} is required`)
    .max(60, `${name} must be at most 60 characters`)
    .regex(/^[^\p{Cc}]+$/u, `${name} must be plain text`)
    // The document would show the regex's flags inside the pattern (zod-to-openapi keeps them): JSON Schema patterns are Unicode already.
    .openapi({ pattern: '^[^\\p{Cc}]+$' });

/** Control characters other than tab and line breaks: never meant in a text field, and they break text drawn into SVG or spoken. */
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** A UUID in its canonical text form (job keys, video ids, Supabase user ids), any case. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A string field that must be a UUID; the 400 names the field. */
export const uuidField = (field: string, message = `${field} must be a UUID`) =>
  // JSON Schema patterns take no flags: any case spelled out.
  z.string({ error: message }).regex(UUID_PATTERN, message).openapi({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
