import assert from 'node:assert/strict';
import { startSupabaseAuthFake } from '../fakes/supabase-auth.js';
import { startGenerationStack, type GenerationStack, type Reply } from '../support/generation-stack.js';

/** The legacy HS256 secret of the project the attack stacks trust beside its JWKS. */
export const LEGACY_SECRET = 'a-legacy-supabase-jwt-secret-of-at-least-32-chars';

export type AuthFake = Awaited<ReturnType<typeof startSupabaseAuthFake>>;
export type SigningKey = Awaited<ReturnType<AuthFake['addKey']>>;

/**
 * The real API over loopback HTTP trusting a Supabase project (the loopback JWKS fake with an
 * ES256 and an RS256 key) and, unless `legacySecret` is false, its legacy HS256 secret — as a
 * project migrating keys is configured. No worker: what is tested is who gets in.
 */
export async function startAuthStack(options: { legacySecret?: boolean; env?: Record<string, string> } = {}) {
  const auth = await startSupabaseAuthFake();
  const es = await auth.addKey('ES256');
  const rs = await auth.addKey('RS256');
  let stack: GenerationStack;
  try {
    stack = await startGenerationStack({
      worker: false,
      env: { SUPABASE_URL: auth.url, ...(options.legacySecret === false ? {} : { SUPABASE_JWT_SECRET: LEGACY_SECRET }), ...options.env },
    });
  } catch (error) {
    await auth.close();
    throw error;
  }
  return {
    auth,
    es,
    rs,
    stack,
    /** GET `path` (default /credits, a signed-in route) with `token` as the bearer (none when undefined). */
    async call(token: string | undefined, path = '/credits', init: RequestInit = {}): Promise<Reply> {
      const headers = { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(init.headers as Record<string, string> | undefined) };
      const response = await fetch(`${stack.url}${path}`, { ...init, headers });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
    },
    async stop() {
      await stack.stop();
      await auth.close();
    },
  };
}

/** The reply is the API's error shape with `status` (and, when given, `details.problem`). */
export function assertRefused(reply: Reply, status: number, problem?: string, label = ''): void {
  const context = `${label} ${JSON.stringify(reply.body)}`;
  assert.equal(reply.status, status, context);
  assert.equal(typeof reply.body.error, 'string', context);
  assert.equal(typeof reply.body.message, 'string', context);
  assert.equal(reply.body.statusCode, status, context);
  if (problem !== undefined) assert.deepEqual(reply.body.details, { problem }, context);
  if (status === 401) assert.match(String(reply.headers.get('www-authenticate')), /^Bearer/, context);
}

/** A compact JWS from a header and payload as given, with `signature` (base64url) as its third part. */
export function rawToken(header: Record<string, unknown>, payload: Record<string, unknown>, signature = ''): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.${signature}`;
}
