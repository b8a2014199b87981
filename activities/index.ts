import type { Sql } from '../db/client.js';
import { createSelfTestActivities } from './self-test.js';

/** Everything an activity may touch, injected so tests and the worker wire the same code to real services. */
export interface ActivityDeps {
  sql: Sql;
  workerIdentity: string;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createSelfTestActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
