import type { Config } from '../../lib/config.js';
import type { Logger } from '../../lib/logger.js';
import type { OtpSender } from '../ports.js';
import { createConsoleOtpSender } from './console.js';
import { createTwilioOtpSender } from './twilio.js';
import { createWebhookOtpSender } from './webhook.js';

type OtpSenderConfig = Pick<
  Config,
  'NODE_ENV' | 'SMS_PROVIDER' | 'SMS_WEBHOOK_URL' | 'SMS_WEBHOOK_SECRET' | 'TWILIO_API_BASE_URL' | 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN' | 'TWILIO_FROM_NUMBER'
>;

/** The OTP sender SMS_PROVIDER names; loadConfig has already checked that its settings are present. */
export function createOtpSender(config: OtpSenderConfig, logger: Logger): OtpSender {
  switch (config.SMS_PROVIDER) {
    case 'console':
      return createConsoleOtpSender({ nodeEnv: config.NODE_ENV, logger });
    case 'webhook':
      return createWebhookOtpSender({ url: required(config.SMS_WEBHOOK_URL, 'SMS_WEBHOOK_URL'), secret: required(config.SMS_WEBHOOK_SECRET, 'SMS_WEBHOOK_SECRET') });
    case 'twilio':
      return createTwilioOtpSender({
        baseUrl: config.TWILIO_API_BASE_URL,
        accountSid: required(config.TWILIO_ACCOUNT_SID, 'TWILIO_ACCOUNT_SID'),
        authToken: required(config.TWILIO_AUTH_TOKEN, 'TWILIO_AUTH_TOKEN'),
        from: required(config.TWILIO_FROM_NUMBER, 'TWILIO_FROM_NUMBER'),
      });
  }
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new Error(`${name} is required when SMS_PROVIDER uses it`);
  return value;
}
