import type { Client } from '@temporalio/client';
import type { Sql } from '../../../db/client.js';

/** One workflow run a scenario wants kept as a fixture: `<its workflow type>-<scenario>.json`. */
export interface Recorded {
  scenario: string;
  workflowId: string;
  runId?: string;
}

/** A pipeline's recording scenarios: runs them on its own stack (started and stopped inside) and names the runs to keep. */
export type ScenarioSet = () => Promise<Recorded[]>;

/** The workflow run of an engine job, by its numeric id or UUID key. */
export async function jobRun(sql: Sql, job: number | string): Promise<{ workflowId: string; runId: string }> {
  const rows =
    typeof job === 'number'
      ? await sql<{ workflow_id: string; run_id: string }[]>`select workflow_id, run_id from jobs where id = ${job}`
      : await sql<{ workflow_id: string; run_id: string }[]>`select workflow_id, run_id from jobs where key = ${job}`;
  const row = rows[0];
  if (!row) throw new Error(`no job ${job}`);
  return { workflowId: row.workflow_id, runId: row.run_id };
}

/** The newest job of a pipeline (scenarios run one at a time, so it is the one just created). */
export async function newestJob(sql: Sql, pipeline: string): Promise<number> {
  const [row] = await sql<{ id: number }[]>`select id::int as id from jobs where pipeline = ${pipeline} order by id desc limit 1`;
  if (!row) throw new Error(`no ${pipeline} job`);
  return row.id;
}

/** Waits until the run has closed, however it ended: a fixture is its whole history. */
export async function closed(temporal: Client, run: { workflowId: string; runId?: string }): Promise<void> {
  await temporal.workflow.getHandle(run.workflowId, run.runId).result().catch(() => undefined);
}

