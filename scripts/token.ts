import { parseArgs } from 'node:util';
import { signAccessToken } from '../lib/auth/development-token.js';
import { USER_ID_PATTERN } from '../lib/auth/supabase-token.js';
import { loadConfigOrExit } from '../lib/config.js';

/**
 * `npm run token -- --user <uuid> [--email a@b.c] [--hours 1]`: prints an access token the API
 * accepts as that signed-in user, signed with SUPABASE_JWT_SECRET or the development secret.
 */
const { values } = parseArgs({ options: { user: { type: 'string' }, email: { type: 'string' }, hours: { type: 'string', default: '1' } } });
if (!values.user) {
  process.stderr.write('usage: npm run token -- --user <uuid> [--email a@b.c] [--hours 1]\n');
  process.exit(2);
}
if (!USER_ID_PATTERN.test(values.user)) {
  process.stderr.write(`--user must be a UUID, as Supabase user ids are (got "${values.user}"); the API refuses tokens for other ids\n`);
  process.exit(2);
}
const hours = Number(values.hours);
if (!(hours > 0 && hours <= 24 * 30)) {
  process.stderr.write('--hours must be a number from 0 to 720\n');
  process.exit(2);
}
const config = loadConfigOrExit();
if (!config.SUPABASE_JWT_SECRET) {
  process.stderr.write('npm run token signs with an HS256 secret, and none is configured: SUPABASE_URL alone means tokens come from Supabase.\n');
  process.exit(1);
}
process.stdout.write(
  `${await signAccessToken({
    secret: config.SUPABASE_JWT_SECRET,
    userId: values.user,
    ...(values.email ? { email: values.email } : {}),
    audience: config.SUPABASE_JWT_AUDIENCE,
    ...(config.SUPABASE_URL ? { issuer: `${config.SUPABASE_URL.replace(/\/+$/, '')}/auth/v1` } : {}),
    expiresInSeconds: Math.round(hours * 3600),
  })}\n`,
);
