import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { CLIENT_SCHEMA_PATH, REGENERATE_COMMAND, renderClientSchema } from './client-schema.js';

/** The committed client types (lib/client/schema.d.ts) are those of the routes as they are now. */
describe('typed client: generated types', () => {
  it('lib/client/schema.d.ts equals a fresh generation from the app’s /openapi.json', async () => {
    const [committed, fresh] = await Promise.all([readFile(CLIENT_SCHEMA_PATH, 'utf8').catch(() => ''), renderClientSchema()]);
    if (committed === fresh) return;
    const committedLines = committed.split('\n');
    const freshLines = fresh.split('\n');
    const line = Array.from({ length: Math.max(committedLines.length, freshLines.length) }, (_, index) => index).find((index) => committedLines[index] !== freshLines[index]) ?? 0;
    assert.fail(
      `lib/client/schema.d.ts is stale: run \`${REGENERATE_COMMAND}\` and commit it.\n` +
        `first difference at line ${line + 1}:\n  committed: ${committedLines[line] ?? '(end of file)'}\n  fresh:     ${freshLines[line] ?? '(end of file)'}`,
    );
  });
});
