import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as bundled from '../../workflows/index.js';
import { PIPELINES } from '../../pipelines/index.js';
import { loadFixtures } from './fixtures.js';

/**
 * Every workflow type the worker can run — the exports of workflows/index.ts (the bundle) and the
 * types each pipeline declares — has at least one replay fixture, so the determinism guard covers
 * a new pipeline from its first deploy.
 */
describe('replay fixtures', () => {
  const registered = [...new Set([...Object.keys(bundled), ...PIPELINES.flatMap((pipeline) => pipeline.workflows)])].sort();

  it('cover every workflow type the worker registers', async () => {
    const recorded = new Set((await loadFixtures()).map((fixture) => fixture.workflowType));
    const missing = registered.filter((type) => !recorded.has(type));
    assert.deepEqual(
      missing,
      [],
      `no replay fixture for ${missing.join(', ')}: add a scenario that runs it to test/replay/scenarios/ (one file per pipeline, ` +
        'listed in test/replay/record.ts), then record with npx tsx test/replay/record.ts <set> and commit test/replay/histories/ (docs/replay.md)',
    );
  });

  it('are each of a workflow type the worker still registers', async () => {
    const stale = (await loadFixtures()).filter((fixture) => !registered.includes(fixture.workflowType)).map((fixture) => fixture.file);
    assert.deepEqual(stale, [], `fixtures of workflow types no longer registered: ${stale.join(', ')}. Remove a type (and its fixtures) only once none of its runs is open.`);
  });
});
