import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loadConfigOrExit } from '../lib/config.js';
import { DEV_SERVER_ARGS, DEV_SERVER_FILE_PRAGMAS } from '../lib/dev-server.js';
import { apiReady, createSupervisor, say, temporalAnswers, waitUntil } from './supervise/supervisor.js';
import { prepareDatabase, stackSummary } from './supervise/prepare.js';

/**
 * The development supervisor behind `npm start`: migrates PostgreSQL, runs the Temporal dev server
 * on a persistent SQLite file, the worker and the API; restarts any of them that dies; stops all
 * of them on Ctrl-C.
 */

const config = loadConfigOrExit();
const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const temporalCli = process.env.TEMPORAL_CLI ?? 'temporal';
const temporalDbFile = resolve(root, config.TEMPORAL_DB_FILE ?? '.data/temporal.db');
const [temporalHost, temporalPort] = config.TEMPORAL_ADDRESS.split(':') as [string, string];

const supervisor = createSupervisor(root);

async function main() {
  await prepareDatabase(config);
  const tsx = (entry: string) => ['--import', 'tsx', entry];
  if (await temporalAnswers(config.TEMPORAL_ADDRESS)) {
    say(`a Temporal server already answers on ${config.TEMPORAL_ADDRESS}; using it`);
  } else {
    await mkdir(dirname(temporalDbFile), { recursive: true });
    supervisor.launch({
      name: 'temporal',
      command: temporalCli,
      args: [
        'server', 'start-dev',
        '--ip', temporalHost, '--port', temporalPort, '--ui-port', String(config.TEMPORAL_UI_PORT),
        '--namespace', config.TEMPORAL_NAMESPACE,
        '--db-filename', temporalDbFile,
        ...DEV_SERVER_FILE_PRAGMAS,
        '--log-level', 'error',
        ...DEV_SERVER_ARGS,
      ],
      jsonLogs: false,
      infrastructure: true,
    });
  }
  supervisor.stopOnSignals();
  await waitUntil(() => temporalAnswers(config.TEMPORAL_ADDRESS), 60_000, `Temporal dev server did not answer on ${config.TEMPORAL_ADDRESS} within 60s`, () => supervisor.stopping);

  supervisor.launch({ name: 'worker', command: process.execPath, args: tsx('worker/main.ts'), jsonLogs: true });
  supervisor.launch({ name: 'api', command: process.execPath, args: tsx('api/main.ts'), jsonLogs: true });
  await waitUntil(() => apiReady(config.PORT), 60_000, `API did not become ready on port ${config.PORT} within 60s`, () => supervisor.stopping);
  say(stackSummary(config));
}

main().catch(async (error: unknown) => {
  say(`failed to start: ${(error as Error).message}`);
  await supervisor.stopAll();
  process.exit(1);
});
