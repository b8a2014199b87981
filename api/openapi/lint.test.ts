import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { loadConfig } from '../../lib/config.js';
import { buildOpenApiDocument } from './document.js';

/**
 * /openapi.json passes Redocly's recommended rules (redocly.yaml: recommended, one rule off with
 * its reason) with no error and no warning, as client generators and doc tools need it.
 */

const root = resolve(import.meta.dirname, '../..');
const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

/** Runs the installed Redocly CLI on `file`; its JSON report (the exit code says only whether errors were found). */
async function redoclyLint(file: string): Promise<LintReport> {
  const run = promisify(execFile);
  const args = ['lint', '--config', join(root, 'redocly.yaml'), '--format=json', '--max-problems=1000', file];
  // No telemetry and no update check: the test stays offline.
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
  const { stdout } = await run(join(root, 'node_modules/.bin/redocly'), args, { cwd: root, env, maxBuffer: 64 * 1024 * 1024 }).catch(
    (error: { stdout?: string; stderr?: string }) => {
      if (!error.stdout) throw new Error(`redocly lint did not report: ${error.stderr ?? String(error)}`);
      return { stdout: error.stdout };
    },
  );
  return JSON.parse(stdout) as LintReport;
}

describe('OpenAPI document: Redocly lint', () => {
  it('has 0 errors and 0 warnings under the recommended rules', async () => {
    // As a deployment serves it: PUBLIC_BASE_URL a public host (a development server's localhost is warned about).
    const document = await buildOpenApiDocument(loadConfig({ ...process.env, PUBLIC_BASE_URL: 'https://api.reelflow.test' }));
    const folder = await mkdtemp(join(tmpdir(), 'reelflow-openapi-'));
    try {
      const file = join(folder, 'openapi.json');
      await writeFile(file, JSON.stringify(document, null, 2));
      const report = await redoclyLint(file);
      const lines = report.problems.map((problem) => `${problem.severity} ${problem.ruleId} at ${problem.location.map((at) => at.pointer).join(', ')}: ${problem.message}`);
      assert.deepEqual({ errors: report.totals.errors, warnings: report.totals.warnings }, { errors: 0, warnings: 0 }, `Redocly lint found:\n${lines.join('\n')}`);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('names every operation with a unique camelCase operationId (the generated client’s names)', async () => {
    const document = await buildOpenApiDocument(loadConfig(process.env));
    const ids = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.has(method))
        .map(([method, operation]) => ({ at: `${method.toUpperCase()} ${path}`, id: (operation as { operationId?: string }).operationId })),
    );
    const bad = ids.filter(({ id }) => !id || !/^[a-z][a-zA-Z0-9]*$/.test(id)).map(({ at, id }) => `${at}: ${id ?? 'none'}`);
    assert.deepEqual(bad, [], 'operations without a camelCase operationId');
    const seen = ids.map(({ id }) => id);
    assert.deepEqual(seen.filter((id, index) => seen.indexOf(id) !== index), [], 'operationIds used twice');
  });
});
