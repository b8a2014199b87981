import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths } from './schema.js';

/**
 * The typed client of the reelflow API, for pages in the browser and for scripts: openapi-fetch
 * over the types generated from /openapi.json (./schema.d.ts, `npm run generate:client`). Paths,
 * parameters, bodies and answers are checked by the compiler. No Node-only imports: a page can
 * bundle it as it is.
 */

export type ReelflowClient = Client<paths>;
export type { components, operations, paths } from './schema.js';

/**
 * A client of the API at `baseUrl` (an origin such as `http://localhost:8000`; a page served by the
 * API passes `location.origin`). Each call answers `{ data }` on a 2xx or `{ error }` (the API's
 * `{ error, message, statusCode, details? }`) otherwise, with `response` in both; network
 * failures reject. `options` takes openapi-fetch's others: `headers` (e.g. `Authorization`), `fetch`.
 */
export function createReelflowClient(baseUrl: string, options: Omit<ClientOptions, 'baseUrl'> = {}): ReelflowClient {
  return createClient<paths>({ ...options, baseUrl });
}
