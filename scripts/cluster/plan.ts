import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnv, promisify } from 'node:util';
import postgres from 'postgres';

/**
 * What reelflow's PostgreSQL-backed Temporal cluster runs, as commands and environments: the
 * Temporal server v1.29.1 on its own config template (config/docker.yaml of go.temporal.io/server,
 * the one the temporalio/server image starts with) rendered from deploy/temporal/server.env, its
 * schema and namespace set-up (deploy/temporal/*.sh, the same scripts docker-compose.yml runs), and
 * the Web UI server v2.42.1 on its own template. Binaries and templates come from
 * TEMPORAL_SERVER_HOME, which scripts/ensure-tools.sh (ensure_temporal_server) builds.
 */

export const repoRoot = resolve(import.meta.dirname, '../..');
const deployDir = join(repoRoot, 'deploy/temporal');
const run = promisify(execFile);

/** The ports the cluster listens on, all on 127.0.0.1 (the UI on every interface: its template has no host). */
export interface ClusterPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  frontendMembership: number;
  historyMembership: number;
  matchingMembership: number;
  workerMembership: number;
  ui: number;
}

/**
 * The cluster's ports from its frontend's: history +1, matching +2, worker +6, the frontend's HTTP
 * +10, each service's membership port 300 below its gRPC port, as the server template's defaults
 * are laid out (7233 → 7234, 7235, 7239, 7243, 6933-6939). The UI's comes from TEMPORAL_UI_PORT.
 */
export function clusterPorts(frontend: number, ui: number): ClusterPorts {
  // The server records each membership port in PostgreSQL as a smallint (cluster_membership.rpc_port):
  // above 32767 it cannot join its own ring and exits.
  if (frontend - 294 > 32_767 || frontend - 300 < 1) throw new Error(`Temporal's frontend port must be between 301 and 33061 (its membership ports, 300 below, are stored as smallint); got ${frontend}`);
  return {
    frontend, frontendHttp: frontend + 10, history: frontend + 1, matching: frontend + 2, worker: frontend + 6,
    frontendMembership: frontend - 300, historyMembership: frontend - 299, matchingMembership: frontend - 298, workerMembership: frontend - 294,
    ui,
  };
}

/** Where PostgreSQL is, from reelflow's DATABASE_URL; the user must be allowed to create databases. */
export interface ClusterDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
}

export function databaseOf(databaseUrl: string): ClusterDatabase {
  const url = new URL(databaseUrl);
  return { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username || 'postgres'), password: decodeURIComponent(url.password) };
}

/** deploy/temporal/server.env: the server settings shared with docker-compose.yml. */
export function serverSettings(): Record<string, string> {
  return parseEnv(readFileSync(join(deployDir, 'server.env'), 'utf8')) as Record<string, string>;
}

/** deploy/cluster.env: the worker settings (CLUSTER_WORKERS, the queue limits) shared with docker-compose.yml. */
export function workerSettings(): Record<string, string> {
  return parseEnv(readFileSync(join(repoRoot, 'deploy/cluster.env'), 'utf8')) as Record<string, string>;
}

/** Where scripts/ensure-tools.sh (ensure_temporal_server) puts the server's binaries and templates; TEMPORAL_SERVER_HOME wins. */
export function temporalServerHome(): string {
  return process.env.TEMPORAL_SERVER_HOME ?? join(repoRoot, '.tools/temporal-server-v1.29.1');
}

/** `file`'s settings, each replaced by the same variable of `env` where set (the shell wins). */
export function withOverrides(file: Record<string, string>, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(Object.entries(file).map(([key, value]) => [key, env[key] ?? value]));
}

export interface ClusterPlanOptions {
  home: string;
  database: ClusterDatabase;
  ports: ClusterPorts;
  namespace: string;
  /** server.env's settings as this run takes them: default, the file's; start:cluster lets the shell override them. */
  settings?: Record<string, string>;
}

export interface Command {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export function clusterPlan(options: ClusterPlanOptions) {
  const { home, database, ports } = options;
  const bin = (name: string) => join(home, 'bin', name);
  const address = `127.0.0.1:${ports.frontend}`;
  const settings = options.settings ?? serverSettings();
  const serverEnv: Record<string, string> = {
    ...settings,
    POSTGRES_SEEDS: database.host,
    DB_PORT: String(database.port),
    POSTGRES_USER: database.user,
    POSTGRES_PWD: database.password,
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    DYNAMIC_CONFIG_FILE_PATH: join(deployDir, 'dynamicconfig.yaml'),
    FRONTEND_GRPC_PORT: String(ports.frontend),
    FRONTEND_HTTP_PORT: String(ports.frontendHttp),
    HISTORY_GRPC_PORT: String(ports.history),
    MATCHING_GRPC_PORT: String(ports.matching),
    WORKER_GRPC_PORT: String(ports.worker),
    FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership),
    HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
    MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership),
    WORKER_MEMBERSHIP_PORT: String(ports.workerMembership),
  };
  const server: Command = {
    command: bin('temporal-server'),
    args: ['--root', join(home, 'server'), '--config', 'config', '--env', 'docker', '--allow-no-auth', 'start'],
    env: serverEnv,
  };
  const ui: Command = {
    command: bin('temporal-ui-server'),
    args: ['--root', join(home, 'ui'), '--config', 'config', '--env', 'docker', 'start'],
    env: {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_UI_PORT: String(ports.ui),
      TEMPORAL_DEFAULT_NAMESPACE: options.namespace,
      TEMPORAL_CORS_ORIGINS: `http://localhost:${ports.ui},http://127.0.0.1:${ports.ui}`,
      // Plain HTTP on the developer's machine: the UI's CSRF cookie cannot be Secure.
      TEMPORAL_CSRF_COOKIE_INSECURE: 'true',
      TEMPORAL_NOTIFY_ON_NEW_VERSION: 'false',
    },
  };
  const scripts = { schema: join(deployDir, 'setup-schema.sh'), namespace: join(deployDir, 'setup-namespace.sh') };
  return {
    address,
    scripts,
    uiUrl: `http://localhost:${ports.ui}`,
    server,
    ui,
    /** Creates both databases and applies the schemas (deploy/temporal/setup-schema.sh); idempotent. */
    async setupSchema(): Promise<string> {
      const { stdout } = await run('sh', [scripts.schema], {
        env: {
          ...process.env, ...settings,
          SQL_HOST: database.host, SQL_PORT: String(database.port), SQL_USER: database.user, SQL_PASSWORD: database.password,
          TEMPORAL_SCHEMA_DIR: join(home, 'server/schema'),
          TEMPORAL_SQL_TOOL: bin('temporal-sql-tool'),
        },
      });
      return stdout.trim().split('\n').join('; ');
    },
    /** Registers the namespace on the running server (deploy/temporal/setup-namespace.sh); idempotent. */
    async registerNamespace(temporalCli: string): Promise<string> {
      const { stdout } = await run('sh', [scripts.namespace], {
        env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: options.namespace, TEMPORAL_CLI: temporalCli },
      });
      return stdout.trim();
    },
    /** Drops both databases (a test's or benchmark's own), closing their open connections. */
    async dropDatabases(): Promise<void> {
      const sql = postgres({ host: database.host, port: database.port, user: database.user, password: database.password, database: 'postgres', max: 1, onnotice: () => {} });
      try {
        for (const name of [settings.DBNAME, settings.VISIBILITY_DBNAME]) {
          if (!name || !/^[a-z0-9_]+$/.test(name)) throw new Error(`refusing to drop database ${JSON.stringify(name)}`);
          await sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        }
      } finally {
        await sql.end({ timeout: 2 });
      }
    },
  };
}

export type ClusterPlan = ReturnType<typeof clusterPlan>;
