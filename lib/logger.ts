import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/** Structured JSON logs; phone numbers and secrets are redacted should they ever reach a log call. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, name: string): Logger {
  return pino({
    name,
    level: config.LOG_LEVEL,
    base: { service: name },
    redact: {
      paths: ['mobile_number', '*.mobile_number', 'phone', '*.phone', 'otp', '*.otp', 'authorization', '*.authorization'],
      censor: '[redacted]',
    },
  });
}
