import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfigOrExit } from '../../lib/config.js';
import { apiReady, createSupervisor, say, temporalAnswers, waitUntil } from '../supervise/supervisor.js';
import { prepareDatabase, stackSummary } from '../supervise/prepare.js';
import { clusterPlan, clusterPorts, databaseOf, repoRoot, serverSettings, temporalServerHome, withOverrides, workerSettings } from './plan.js';

/**
 * The supervisor behind `npm run start:cluster`: the production shape on one machine. PostgreSQL
 * (reelflow's database, and Temporal's two), the Temporal server v1.29.1 on it, the Temporal Web UI,
 * CLUSTER_WORKERS worker processes (deploy/cluster.env, 2) and the API; restarts any that dies;
 * stops all on Ctrl-C, the application first. The Go servers' output goes to .data/cluster/*.log.
 */

const config = loadConfigOrExit();
const temporalCli = process.env.TEMPORAL_CLI ?? 'temporal';
// The Go servers' logs; tests point it at their own scratch folder.
const logDir = process.env.CLUSTER_LOG_DIR ?? join(repoRoot, '.data/cluster');
const supervisor = createSupervisor(repoRoot);

async function main() {
  if (await temporalAnswers(config.TEMPORAL_ADDRESS)) {
    say(`a Temporal server already answers on ${config.TEMPORAL_ADDRESS} (is npm start running?); stop it, or set TEMPORAL_ADDRESS to a free host:port`);
    process.exit(1);
  }
  await prepareDatabase(config);
  await mkdir(logDir, { recursive: true });
  // Settings from the shell or .env win over deploy/cluster.env's.
  const shared = withOverrides(workerSettings());
  const workers = Number(shared.CLUSTER_WORKERS);
  if (!Number.isInteger(workers) || workers < 1) {
    say(`CLUSTER_WORKERS must be a whole number of 1 or more (got ${JSON.stringify(shared.CLUSTER_WORKERS)})`);
    process.exit(1);
  }
  const frontend = Number(config.TEMPORAL_ADDRESS.split(':')[1]);
  const plan = clusterPlan({
    home: temporalServerHome(),
    database: databaseOf(config.DATABASE_URL),
    ports: clusterPorts(frontend, config.TEMPORAL_UI_PORT),
    namespace: config.TEMPORAL_NAMESPACE,
    settings: withOverrides(serverSettings()),
  });
  say(await plan.setupSchema());

  supervisor.stopOnSignals();
  const serverLog = join(logDir, 'temporal-server.log');
  supervisor.launch({ name: 'temporal', ...plan.server, jsonLogs: false, infrastructure: true, logFile: serverLog });
  await waitUntil(() => temporalAnswers(plan.address), 90_000, `the Temporal server did not answer on ${plan.address} within 90s (see ${serverLog})`, () => supervisor.stopping);
  say(await plan.registerNamespace(temporalCli));
  supervisor.launch({ name: 'temporal-ui', ...plan.ui, jsonLogs: false, infrastructure: true, logFile: join(logDir, 'temporal-ui.log') });

  const tsx = (entry: string) => ['--import', 'tsx', entry];
  const metricsPorts: string[] = [];
  for (let index = 0; index < workers; index++) {
    const metricsPort = config.WORKER_METRICS_PORT ? config.WORKER_METRICS_PORT + index : 0;
    metricsPorts.push(metricsPort ? `http://localhost:${metricsPort}/metrics  (worker ${index + 1})` : `off (WORKER_METRICS_PORT=0)`);
    supervisor.launch({ name: `worker-${index + 1}`, command: process.execPath, args: tsx('worker/main.ts'), env: { ...shared, WORKER_METRICS_PORT: String(metricsPort) }, jsonLogs: true });
  }
  supervisor.launch({ name: 'api', command: process.execPath, args: tsx('api/main.ts'), env: shared, jsonLogs: true });
  await waitUntil(() => apiReady(config.PORT), 90_000, `API did not become ready on port ${config.PORT} within 90s`, () => supervisor.stopping);
  await waitUntil(async () => (await fetch(plan.uiUrl)).ok, 30_000, `the Temporal UI did not answer on ${plan.uiUrl} within 30s`, () => supervisor.stopping);
  say(stackSummary(config, { workers: metricsPorts, notes: [`  Temporal logs  ${logDir} (server on PostgreSQL: temporal, temporal_visibility)`] }));
}

main().catch(async (error: unknown) => {
  say(`failed to start: ${(error as Error).message}`);
  await supervisor.stopAll();
  process.exit(1);
});
