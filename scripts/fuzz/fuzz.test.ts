import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { formatReport } from './report.js';
import { passed, runFuzz } from './run.js';
import { startFuzzTarget, type FuzzTarget } from './stack.js';

/**
 * The fuzzer in CI: 150 hostile requests with a fixed seed against a stack of its own (API and
 * worker as processes, the run's MinIO). A finding prints the request and how to replay it.
 */
const SEED = 120_612;
const RUNS = 150;

let target: FuzzTarget;
let stop: () => Promise<void>;

before(async () => {
  ({ target, stop } = await startFuzzTarget());
});
after(async () => {
  await stop?.();
});

test('hostile requests over every route of /openapi.json: no 5xx, refusals in the error shape, nothing left behind', async () => {
  const figures = await runFuzz(target, { seed: SEED, runs: RUNS });
  const findings = [...figures.findings.map((finding) => `${finding.problems.join('; ')}\n${finding.request}`)];
  if (figures.minimal) findings.push(`minimal: ${figures.minimal.problems.join('; ')}\n${figures.minimal.request}\n(--path ${figures.minimal.path})`);
  assert.ok(passed(figures), `${findings.join('\n\n')}\n\n${formatReport(figures, `npm run fuzz -- --seed ${SEED} --runs ${RUNS}`)}`);
  assert.equal(figures.requests, RUNS);
});
