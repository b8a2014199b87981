import { SignJWT } from 'jose';
import { USER_ID_PATTERN } from './supabase-token.js';

/**
 * An HS256 access token shaped like Supabase's (`sub`, `email`, `role: authenticated`, `aud`, `iss`,
 * `exp`), signed with the configured legacy or development secret: what `npm run token` prints.
 * Throws when `userId` is not a UUID, since the API refuses such a token.
 */
export async function signAccessToken(options: {
  secret: string;
  userId: string;
  email?: string;
  audience: string;
  /** `{SUPABASE_URL}/auth/v1` when a project is configured. */
  issuer?: string;
  expiresInSeconds?: number;
  now?: number;
}): Promise<string> {
  if (!USER_ID_PATTERN.test(options.userId)) throw new Error(`The user id must be a UUID, as Supabase user ids are (got "${options.userId}").`);
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const token = new SignJWT({ role: 'authenticated', ...(options.email ? { email: options.email } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.userId)
    .setAudience(options.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInSeconds ?? 3600));
  if (options.issuer) token.setIssuer(options.issuer);
  return token.sign(new TextEncoder().encode(options.secret));
}
