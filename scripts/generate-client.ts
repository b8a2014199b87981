import { writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { CLIENT_SCHEMA_PATH, renderClientSchema } from '../api/openapi/client-schema.js';

/**
 * npm run generate:client: writes lib/client/schema.d.ts, the types of /openapi.json the typed
 * client uses, from the app's routes (no server, database or Temporal needed). Run it after
 * changing a route; api/openapi/client-schema.test.ts fails while the committed file is stale.
 */
const text = await renderClientSchema();
await writeFile(CLIENT_SCHEMA_PATH, text);
console.log(`wrote ${relative(process.cwd(), CLIENT_SCHEMA_PATH)} (${text.split('\n').length} lines)`);
