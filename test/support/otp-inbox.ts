import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino, type Logger } from 'pino';

interface ConsoleOtp {
  to: string;
  code: string;
  at: number;
}

/**
 * Reads OTPs the way a developer does with SMS_PROVIDER=console: from the log lines of the real
 * console sender. `to` is the masked number the log shows (+91******3210).
 */
export function createOtpInbox(): { logger: Logger; messages: ConsoleOtp[]; waitForCode: (to: string, after?: number) => Promise<string> } {
  const messages: ConsoleOtp[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as { msg?: string; to?: string };
        const match = entry.msg?.match(/^\[console OTP\] (\d{6}) /);
        if (match?.[1] && entry.to) messages.push({ to: entry.to, code: match[1], at: Date.now() });
      }
      done();
    },
  });
  return {
    logger: pino({ level: 'info' }, sink),
    messages,
    async waitForCode(to, after = 0) {
      for (let i = 0; i < 200; i++) {
        const found = messages.filter((message) => message.to === to && message.at >= after).at(-1);
        if (found) return found.code;
        await sleep(50);
      }
      throw new Error(`no OTP for ${to} arrived`);
    },
  };
}
