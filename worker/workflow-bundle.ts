import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

// webpack's build report is noise in the worker's log; warnings and errors still show.
const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };

/** Bundles the workflow sources (every pipeline's, from workflows/index.ts) into the code a worker's sandbox runs. */
export async function bundleWorkflows(workflowsPath = WORKFLOWS_PATH): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  return code;
}

/** Writes the bundle a production worker (and the test run) loads through WORKFLOW_BUNDLE_PATH. */
export async function buildWorkflowBundle(outputPath: string, workflowsPath = WORKFLOWS_PATH): Promise<string> {
  const path = resolve(outputPath);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, await bundleWorkflows(workflowsPath));
  return path;
}
