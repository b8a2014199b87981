import { createJobStore } from '../db/jobs/store.js';
import { PIPELINES } from '../pipelines/index.js';
import type { PipelineDefinition } from '../pipelines/types.js';
import type { ActivityDeps } from './deps.js';
import { createJobActivities } from './engine/job.activities.js';
import { createSelfTestActivities } from './self-test.js';

export type { ActivityDeps };

/** The engine's activities (job writes, the self-test) and every pipeline's, as one worker registers them. */
export async function createActivities(deps: ActivityDeps, pipelines: readonly PipelineDefinition[] = PIPELINES): Promise<Activities> {
  const activities: Record<string, unknown> = {
    ...createSelfTestActivities(deps),
    ...createJobActivities({ store: createJobStore(deps.sql) }),
  };
  for (const pipeline of pipelines) {
    const factory = await pipeline.loadActivities?.();
    for (const [name, activity] of Object.entries(factory?.(deps) ?? {})) {
      if (name in activities) throw new Error(`activity ${name} of pipeline ${pipeline.name} is already registered`);
      activities[name] = activity;
    }
  }
  return activities as Activities;
}

/** Activities by name, as Temporal's worker takes them. */
export type Activities = Record<string, (...args: never[]) => Promise<unknown>>;
