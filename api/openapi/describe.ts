import type { Config } from '../../lib/config.js';
import type { AppOpenAPI } from '../lib/types.js';

/**
 * How callers prove who they are, by the names operations' `security` uses. An operation open to
 * anyone declares `security: []`; one several kinds of caller may use lists each (any one will do).
 */
const SECURITY_SCHEMES = {
  AdminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
  SupabaseToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A Supabase access token (`npm run token` in development)' },
  SupabaseQueryToken: { type: 'apiKey', in: 'query', name: 'access_token', description: 'The Supabase access token in the query: event streams only (EventSource sends no headers)' },
  TrackingToken: { type: 'apiKey', in: 'header', name: 'X-Tracking-Token', description: 'A Close-Up job’s tracking token, from the submit answer: reads that job only' },
  TrackingQueryToken: { type: 'apiKey', in: 'query', name: 'tracking_token', description: 'The Close-Up tracking token in the query, for EventSource and links' },
} as const;

/**
 * Serves `GET /openapi.json`: every operation the app registered, the security schemes above, and
 * PUBLIC_BASE_URL as the one server. Call after every router is mounted.
 */
export function describeApi(app: AppOpenAPI, config: Pick<Config, 'PUBLIC_BASE_URL'>): void {
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) app.openAPIRegistry.registerComponent('securitySchemes', name, scheme);
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'reelflow API',
      version: '0.1.0',
      description: 'Form submissions in, personalised videos out. Every error answers `{ error, message, statusCode, details? }`.',
    },
    servers: [{ url: config.PUBLIC_BASE_URL, description: 'PUBLIC_BASE_URL' }],
  });
}
