import { SignJWT } from 'jose';

/**
 * An HS256 access token shaped like Supabase's (`sub`, `email`, `role: authenticated`, `aud`, `iss`,
 * `exp`), signed with the configured legacy or development secret: what `npm run token` prints.
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
