import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import PinoPretty from 'pino-pretty';
import { loadConfigOrExit } from '../lib/config.js';
import { createSql, describeServer } from '../db/client.js';
import { DatabaseUnavailableError, ensureDatabase } from '../db/ensure-database.js';
import { migrate } from '../db/migrations.js';

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

const say = (message: string) => process.stdout.write(`reelflow: ${message}\n`);
// Writes human-readable lines to stdout itself.
const pretty = PinoPretty({ colorize: process.stdout.isTTY, ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss' });

interface Service {
  name: string;
  command: string;
  args: string[];
  child?: ChildProcess;
  restarts: number;
  jsonLogs: boolean;
}

let stopping = false;
const services: Service[] = [];
// Children run in their own process groups (so Ctrl-C reaches only this supervisor, which stops
// them in order); should the supervisor exit some other way, they go with it.
process.on('exit', () => services.forEach((service) => service.child?.kill('SIGKILL')));

function launch(service: Service) {
  const child = spawn(service.command, service.args, { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  service.child = child;
  child.stdout?.pipe(service.jsonLogs ? pretty : process.stdout, { end: false });
  child.stderr?.pipe(process.stderr, { end: false });
  child.once('exit', (code, signal) => {
    service.child = undefined;
    if (stopping) return;
    const delay = Math.min(1000 * 2 ** service.restarts, 30_000);
    service.restarts += 1;
    say(`${service.name} exited unexpectedly (${signal ?? `code ${code}`}); restarting in ${delay / 1000}s`);
    setTimeout(() => !stopping && launch(service), delay).unref();
  });
}

async function answers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: '1s' }).catch(() => undefined);
  if (!connection) return false;
  await connection.close();
  return true;
}

async function waitForTemporal(): Promise<Connection> {
  for (let attempt = 0; attempt < 120 && !stopping; attempt++) {
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS, connectTimeout: '1s' }).catch(() => undefined);
    if (connection) return connection;
    await sleep(500);
  }
  throw new Error(`Temporal dev server did not answer on ${config.TEMPORAL_ADDRESS} within 60s`);
}

async function waitForApi(): Promise<void> {
  for (let attempt = 0; attempt < 120 && !stopping; attempt++) {
    const response = await fetch(`http://127.0.0.1:${config.PORT}/readyz`).catch(() => undefined);
    if (response?.ok) return;
    await sleep(500);
  }
  throw new Error(`API did not become ready on port ${config.PORT} within 60s`);
}

async function stopAll(services: Service[]) {
  stopping = true;
  const running = services.filter((service) => service.child);
  // Worker and API first, so they finish in-flight work while Temporal is still up.
  for (const group of [running.filter((s) => s.name !== 'temporal'), running.filter((s) => s.name === 'temporal')]) {
    await Promise.all(
      group.map(
        (service) =>
          new Promise<void>((done) => {
            const child = service.child;
            if (!child) return done();
            const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => (clearTimeout(kill), done()));
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}

async function main() {
  try {
    const database = await ensureDatabase(config.DATABASE_URL);
    const sql = createSql(config.DATABASE_URL, { max: 1 });
    const applied = await migrate(sql).finally(() => sql.end({ timeout: 2 }));
    say(`PostgreSQL ${describeServer(config.DATABASE_URL)}: ${database === 'created' ? 'database created, ' : ''}${applied.length ? `applied ${applied.join(', ')}` : 'schema up to date'}`);
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) {
      say(error.message);
      process.exit(1);
    }
    throw error;
  }

  const tsx = (entry: string) => ['--import', 'tsx', entry];
  if (await answers(config.TEMPORAL_ADDRESS)) {
    say(`a Temporal server already answers on ${config.TEMPORAL_ADDRESS}; using it`);
  } else {
    await mkdir(dirname(temporalDbFile), { recursive: true });
    services.push({
      name: 'temporal',
      command: temporalCli,
      // The WAL pragmas make the file-backed dev server start workflows 2.4-3.5x as fast (npm run bench -- --only store).
      args: [
        'server', 'start-dev',
        '--ip', temporalHost, '--port', temporalPort, '--ui-port', String(config.TEMPORAL_UI_PORT),
        '--namespace', config.TEMPORAL_NAMESPACE,
        '--db-filename', temporalDbFile,
        '--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL',
        '--log-level', 'error',
      ],
      restarts: 0,
      jsonLogs: false,
    });
  }
  services.push(
    { name: 'worker', command: process.execPath, args: tsx('worker/main.ts'), restarts: 0, jsonLogs: true },
    { name: 'api', command: process.execPath, args: tsx('api/main.ts'), restarts: 0, jsonLogs: true },
  );

  let interrupted = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++interrupted > 1) process.exit(130);
    say(`${signal}: stopping (press Ctrl-C again to force)`);
    void stopAll(services).then(() => {
      say('stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const temporalService = services.find((service) => service.name === 'temporal');
  if (temporalService) launch(temporalService);
  await (await waitForTemporal()).close();

  for (const service of services) if (service !== temporalService) launch(service);
  await waitForApi();
  say(
    [
      'up and running',
      `  API            ${config.PUBLIC_BASE_URL}`,
      `  Close-Up page  ${config.PUBLIC_BASE_URL}/closeup/`,
      `  Studio page    ${config.PUBLIC_BASE_URL}/studio/`,
      `  API docs       ${config.PUBLIC_BASE_URL}/docs  (spec: /openapi.json)`,
      `  API metrics    ${config.PUBLIC_BASE_URL}/metrics${config.METRICS_TOKEN ? '  (bearer METRICS_TOKEN)' : ''}`,
      `  Worker metrics ${config.WORKER_METRICS_PORT ? `http://localhost:${config.WORKER_METRICS_PORT}/metrics` : 'off (WORKER_METRICS_PORT=0)'}`,
      `  Temporal UI    ${config.TEMPORAL_UI_URL}`,
      `  Temporal gRPC  ${config.TEMPORAL_ADDRESS}`,
      `  PostgreSQL     ${describeServer(config.DATABASE_URL)}`,
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
}

main().catch(async (error: unknown) => {
  say(`failed to start: ${(error as Error).message}`);
  await stopAll(services);
  process.exit(1);
});
