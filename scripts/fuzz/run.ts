import fc from 'fast-check';
import { setTimeout as sleep } from 'node:timers/promises';
import { answerProblems, isRefusal } from './checks.js';
import { describeRequest } from './describe.js';
import { sendRaw, type Outcome } from './raw-http.js';
import { KINDS, fuzzRequest, type FuzzRequest, type Kind } from './requests.js';
import { fetchOperations } from './spec.js';
import type { FuzzTarget } from './stack.js';
import { growth, sameWorld, worldReader, type WorldSnapshot } from './world.js';

/**
 * The fuzz run: fast-check draws `runs` hostile requests over every operation of the target's
 * /openapi.json; each goes out over a raw socket between two snapshots of the world, and fails the
 * property when answered 5xx, refused outside the error shape, or refused yet leaving rows, objects
 * or workflows behind. fast-check then shrinks the first failure to a minimal request.
 */

export interface FuzzOptions {
  seed: number;
  runs: number;
  /** fast-check's replay path of a failure (printed with it), to replay just that request. */
  path?: string;
  /** Record every problem and go on instead of stopping at the first (triage; no shrinking). */
  keepGoing?: boolean;
  timeoutMs?: number;
  /** Called every `progressEvery` requests. */
  progress?: (done: number) => void;
}

export interface Finding {
  request: string;
  problems: string[];
}

export interface FuzzFigures {
  seed: number;
  runs: number;
  operations: number;
  requests: number;
  byKind: Record<Kind, number>;
  /** Answers by status, plus `no answer` and `timeout`. */
  statuses: Map<string, number>;
  fiveXx: number;
  shapeFailures: number;
  leaks: number;
  durationMs: number;
  /** Requests fast-check replayed while shrinking a failure. */
  shrinkRequests: number;
  findings: Finding[];
  /** The minimal failing request after shrinking, with fast-check's replay path. */
  minimal?: { request: string; problems: string[]; path: string };
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const SETTLE_MS = 20_000;
/** How long the world must stay unchanged to count as at rest: a job between two activities on a busy machine is quiet for longer than one poll. */
const QUIET_MS = 1_500;

export async function runFuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzFigures> {
  const started = performance.now();
  const operations = await fetchOperations(target.apiUrl);
  const snapshot = worldReader(target);
  const { hostname, port } = new URL(target.apiUrl);
  const figures: FuzzFigures = {
    seed: options.seed,
    runs: options.runs,
    operations: operations.length,
    requests: 0,
    byKind: Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<Kind, number>,
    statuses: new Map(),
    fiveXx: 0,
    shapeFailures: 0,
    leaks: 0,
    durationMs: 0,
    shrinkRequests: 0,
    findings: [],
  };

  // The products make a signed-in user's account and profile on their first authenticated request
  // (the feed's contract): the fuzzer's user makes theirs now, so a refusal later cannot be blamed for it.
  const signedIn = { authorization: `Bearer ${target.userToken}` };
  for (const path of ['/credits', `${target.config.FEED_BASE_PATH}/users/${target.userId}`]) {
    const response = await fetch(`${target.apiUrl}${path}`, { headers: signedIn });
    if (!response.ok) throw new Error(`GET ${path} as the fuzzer's user answered ${response.status}: ${await response.text()}`);
  }

  let shrinking = false;
  /** A 2xx write may have started work that goes on writing: wait for the world to rest before the next baseline. */
  let moving = false;
  let previous: { request: FuzzRequest; refused: boolean; after: WorldSnapshot } | undefined;

  async function settle(): Promise<WorldSnapshot> {
    const deadline = Date.now() + SETTLE_MS;
    let last = await snapshot();
    for (let quietSince = Date.now(); ; ) {
      await sleep(300);
      const now = await snapshot();
      if (!sameWorld(last, now)) quietSince = Date.now();
      if (Date.now() - quietSince >= QUIET_MS || Date.now() > deadline) return now;
      last = now;
    }
  }

  function count(request: FuzzRequest, outcome: Outcome, problems: string[]) {
    if (shrinking) return void (figures.shrinkRequests += 1);
    figures.requests += 1;
    figures.byKind[request.kind] += 1;
    const key = outcome.kind === 'response' ? String(outcome.response.status) : outcome.kind === 'timeout' ? 'timeout' : 'no answer';
    figures.statuses.set(key, (figures.statuses.get(key) ?? 0) + 1);
    if (outcome.kind === 'response' && outcome.response.status >= 500) figures.fiveXx += 1;
    if (problems.some((problem) => problem.startsWith('leak'))) figures.leaks += 1;
    if (outcome.kind === 'response' && outcome.response.status >= 400 && outcome.response.status < 500 && problems.some((problem) => !problem.startsWith('leak'))) figures.shapeFailures += 1;
    if (problems.length) figures.findings.push({ request: describeRequest(request), problems });
    if (figures.requests % 100 === 0) options.progress?.(figures.requests);
  }

  const property = fc.asyncProperty(fuzzRequest(operations, { adminToken: target.adminToken, userToken: target.userToken, userId: target.userId }), async (request) => {
    const before = moving ? await settle() : await snapshot();
    moving = false;
    // Late growth (a workflow listed a moment after its refusal was answered) belongs to the request before.
    if (previous?.refused && !sameWorld(previous.after, before)) {
      const late = growth(previous.after, before);
      if (late.length && !shrinking) {
        figures.leaks += 1;
        figures.findings.push({ request: describeRequest(previous.request), problems: [`leak (seen after its answer): ${late.join(', ')}`] });
      }
    }
    const outcome = await sendRaw(hostname, Number(port), request.raw, options.timeoutMs ?? 15_000);
    const after = await snapshot();
    const problems = answerProblems(request.raw, outcome);
    const refused = isRefusal(outcome);
    if (refused) {
      const grown = growth(before, after);
      if (grown.length) problems.push(`leak: ${grown.join(', ')}`);
    } else if (WRITES.has(request.raw.method.toUpperCase())) {
      moving = true;
    }
    // No answer at all may mean the API died: say so rather than let every later request fail.
    if (outcome.kind !== 'response' && problems.length) {
      const alive = await fetch(`${target.apiUrl}/healthz`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.ok, () => false);
      if (!alive) problems.push('the API no longer answers /healthz');
    }
    count(request, outcome, problems);
    previous = { request, refused, after };
    if (problems.length && !options.keepGoing) {
      shrinking = true;
      throw new Error(problems.join('; '));
    }
  });

  const details = await fc.check(property, {
    seed: options.seed,
    numRuns: options.runs,
    ...(options.path ? { path: options.path, endOnFailure: true } : {}),
  });
  if (details.failed && details.counterexample) {
    const [request] = details.counterexample;
    const message = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    figures.minimal = { request: describeRequest(request), problems: message.split('; '), path: details.counterexamplePath ?? '' };
  }
  figures.durationMs = Math.round(performance.now() - started);
  return figures;
}

/** True when the run found nothing: no 5xx, no refusal outside the shape, no leak, no unanswered request. */
export function passed(figures: FuzzFigures): boolean {
  return !figures.minimal && figures.findings.length === 0;
}
