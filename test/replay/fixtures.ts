import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { temporal } from '@temporalio/proto';
import { historyFromJson } from './history-json.js';

type History = temporal.api.history.v1.IHistory;

/** Where the recorded histories live: `<workflow type>-<scenario>.json`, each a history as Temporal exports it. */
export const HISTORIES_DIR = join(import.meta.dirname, 'histories');

export interface Fixture {
  /** The file name, e.g. `generationWorkflow-completed.json`. */
  file: string;
  workflowType: string;
  history: History;
}

/** The workflow type a history ran (from its first event, WorkflowExecutionStarted). */
export function workflowTypeOf(history: History): string {
  const name = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
  if (!name) throw new Error('the history does not start with WorkflowExecutionStarted');
  return name;
}

/** Every committed fixture, sorted by file name. */
export async function loadFixtures(dir = HISTORIES_DIR): Promise<Fixture[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => {
      const history = historyFromJson(JSON.parse(await readFile(join(dir, file), 'utf8')));
      return { file, workflowType: workflowTypeOf(history), history };
    }),
  );
}
