import { pino } from 'pino';
import { createSql } from '../../db/client.js';
import type { Config } from '../../lib/config.js';
import { createTemporalClient } from '../../lib/temporal.js';
import { createApp } from '../app.js';
import { createAppDeps } from '../lib/deps.js';

/** The OpenAPI 3.1 document as /openapi.json serves it (parsed JSON). */
export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

/**
 * The document /openapi.json would answer for `config`, built without a server: the app's
 * PostgreSQL pool and Temporal connection are lazy and never used, so neither needs to be up.
 * Used by the lint test and scripts/generate-client.ts.
 */
export async function buildOpenApiDocument(config: Config): Promise<OpenApiDocument> {
  const sql = createSql(config.DATABASE_URL, { max: 1 });
  const temporal = createTemporalClient(config);
  const deps = createAppDeps(config, { logger: pino({ level: 'silent' }), sql, temporal });
  try {
    const response = await createApp(deps).request('/openapi.json');
    if (response.status !== 200) throw new Error(`/openapi.json answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as OpenApiDocument;
  } finally {
    await deps.hub.close();
    await sql.end();
    await temporal.connection.close();
  }
}
