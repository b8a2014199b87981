import type { Config } from '../../lib/config.js';
import { createSql, describeServer } from '../../db/client.js';
import { DatabaseUnavailableError, ensureDatabase } from '../../db/ensure-database.js';
import { migrate } from '../../db/migrations.js';
import { say } from './supervisor.js';

/**
 * Creates reelflow's PostgreSQL database if missing and applies its migrations, saying what it did.
 * Exits the process with one clear line when PostgreSQL cannot be reached.
 */
export async function prepareDatabase(config: Pick<Config, 'DATABASE_URL'>): Promise<void> {
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
}

/** The lines printed once everything answers: where each part of the stack is reachable. */
export function stackSummary(config: Config, extra: { workers?: string[]; notes?: string[] } = {}): string {
  const workerMetrics = extra.workers ?? [config.WORKER_METRICS_PORT ? `http://localhost:${config.WORKER_METRICS_PORT}/metrics` : 'off (WORKER_METRICS_PORT=0)'];
  return [
    'up and running',
    `  API            ${config.PUBLIC_BASE_URL}`,
    `  Close-Up page  ${config.PUBLIC_BASE_URL}/closeup/`,
    `  Studio page    ${config.PUBLIC_BASE_URL}/studio/`,
    `  API docs       ${config.PUBLIC_BASE_URL}/docs  (spec: /openapi.json)`,
    `  API metrics    ${config.PUBLIC_BASE_URL}/metrics${config.METRICS_TOKEN ? '  (bearer METRICS_TOKEN)' : ''}`,
    ...workerMetrics.map((line) => `  Worker metrics ${line}`),
    `  Temporal UI    ${config.TEMPORAL_UI_URL}`,
    `  Temporal gRPC  ${config.TEMPORAL_ADDRESS}`,
    `  PostgreSQL     ${describeServer(config.DATABASE_URL)}`,
    ...(extra.notes ?? []),
    'Ctrl-C stops everything.',
  ].join('\n');
}
