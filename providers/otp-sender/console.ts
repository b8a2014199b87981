import type { Logger } from '../../lib/logger.js';
import { maskPhone } from '../../lib/phone-mask.js';
import type { OtpSender } from '../ports.js';

/**
 * Development only: the OTP text (with its code) goes to the log, where the developer reads it.
 * The number is masked; the code is not, which is why production refuses this sender.
 */
export function createConsoleOtpSender(deps: { nodeEnv: string; logger: Logger }): OtpSender {
  if (deps.nodeEnv === 'production') {
    throw new Error('SMS_PROVIDER=console writes OTP codes to the log and is refused when NODE_ENV=production; use webhook or twilio');
  }
  return {
    name: 'console',
    async send(message) {
      deps.logger.info({ to: maskPhone(message.to), smsProvider: 'console' }, `[console OTP] ${message.text}`);
      return {};
    },
  };
}
