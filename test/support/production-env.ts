/**
 * An environment the production configuration accepts (NODE_ENV=production, every secret set,
 * providers that production allows); tests override what they are about.
 */
export const PRODUCTION_ENV: Readonly<Record<string, string>> = {
  NODE_ENV: 'production',
  ADMIN_TOKEN: 'a-long-production-admin-token-of-40-chars',
  PHONE_ENCRYPTION_KEY: 'a'.repeat(64),
  PHONE_HASH_KEY: 'b'.repeat(64),
  MEDIA_SIGNING_KEY: 'c'.repeat(64),
  SMS_PROVIDER: 'webhook',
  SMS_WEBHOOK_URL: 'https://sms.example.com/send',
  SMS_WEBHOOK_SECRET: 'sms-secret',
  SUPABASE_URL: 'https://project-ref.supabase.co',
  WEBHOOK_SIGNING_SECRET: 'whsec_cHJvZHVjdGlvbi13ZWJob29rLXNlY3JldC0tLS0=',
};
