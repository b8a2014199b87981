import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Worker, type ReplayResult } from '@temporalio/worker';
import { bundleWorkflows } from '../../worker/workflow-bundle.js';
import { installQuietRuntime } from '../support/harness.js';
import { loadFixtures } from './fixtures.js';
import { explainReplayFailure } from './mismatch.js';

/**
 * The determinism guard: every committed history (test/replay/histories, recorded from real runs by
 * test/replay/record.ts) replays against the current workflow bundle — the one the test run built
 * (WORKFLOW_BUNDLE_PATH), else bundled here. A change that running workflows could not replay fails
 * with the fixture, the first mismatching event and how to version the change.
 */
const fixtures = await loadFixtures();

describe('workflow histories replay against the current workflow code', () => {
  const results = new Map<string, ReplayResult>();

  before(async () => {
    installQuietRuntime();
    const path = process.env.WORKFLOW_BUNDLE_PATH;
    const workflowBundle = path ? { codePath: path } : { code: await bundleWorkflows() };
    const histories = fixtures.map((fixture) => ({ workflowId: fixture.file, history: fixture.history }));
    for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) results.set(result.workflowId, result);
  });

  it('has histories to replay', () => {
    assert.ok(fixtures.length > 0, 'no fixtures in test/replay/histories: record them with npx tsx test/replay/record.ts');
  });

  for (const fixture of fixtures) {
    it(fixture.file, () => {
      const result = results.get(fixture.file);
      assert.ok(result, `the replayer reported nothing for ${fixture.file}`);
      if (result.error) assert.fail(explainReplayFailure(fixture, result.error));
    });
  }
});
