import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { z } from 'zod';
import { CONFIG_VARIABLES, loadConfig } from '../../lib/config.js';
import { clusterPlan, clusterPorts, serverSettings, workerSettings } from '../../scripts/cluster/plan.js';

/**
 * docker-compose.yml and `npm run start:cluster` are one deployment in two shapes: the same server
 * and UI versions, the same schema and namespace set-up scripts, the same server settings and the
 * same worker count and queue limits. Each fact is read from where each side takes it.
 */

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFile(new URL(path, root), 'utf8');

const Service = z.object({
  image: z.string().optional(),
  entrypoint: z.array(z.string()).optional(),
  env_file: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  volumes: z.array(z.string()).optional(),
  deploy: z.object({ replicas: z.number().optional() }).optional(),
});
const Compose = z.object({ services: z.record(z.string(), Service) });

async function compose() {
  return Compose.parse(parse(await read('docker-compose.yml'), { merge: true })).services;
}

async function pinnedVersion(name: string): Promise<string> {
  const match = (await read('scripts/ensure-tools.sh')).match(new RegExp(`^${name}="v([^"]+)"`, 'm'));
  assert.ok(match, `scripts/ensure-tools.sh pins no ${name}`);
  return match[1]!;
}

const nativePlan = () => clusterPlan({ home: '/tools', database: { host: '127.0.0.1', port: 5432, user: 'postgres', password: '' }, ports: clusterPorts(7233, 8233), namespace: 'default' });

describe('docker-compose.yml matches npm run start:cluster', () => {
  it('runs the server, its admin tools and the Web UI at the versions the bootstrap builds', async () => {
    const services = await compose();
    const server = await pinnedVersion('TEMPORAL_SERVER_VERSION');
    const ui = await pinnedVersion('TEMPORAL_UI_VERSION');
    assert.equal(services.temporal?.image, `temporalio/server:${server}`);
    for (const name of ['temporal-schema', 'temporal-namespace']) assert.ok(services[name]?.image?.startsWith(`temporalio/admin-tools:${server}-`), `${name} runs admin-tools ${server}`);
    assert.equal(services['temporal-ui']?.image, `temporalio/ui:${ui}`);
  });

  it('sets Temporal up with the same scripts', async () => {
    const services = await compose();
    const script = (service: string) => services[service]?.entrypoint?.join(' ') ?? '';
    assert.match(script('temporal-schema'), /\/deploy\/temporal\/setup-schema\.sh/);
    assert.match(script('temporal-namespace'), /\/deploy\/temporal\/setup-namespace\.sh/);
    for (const name of ['temporal-schema', 'temporal-namespace']) assert.ok(services[name]?.volumes?.includes('./deploy/temporal:/reelflow/deploy/temporal:ro'));
    const plan = nativePlan();
    assert.match(plan.scripts.schema, /deploy\/temporal\/setup-schema\.sh$/);
    assert.match(plan.scripts.namespace, /deploy\/temporal\/setup-namespace\.sh$/);
  });

  it('renders the server template from the same settings and dynamic config', async () => {
    const services = await compose();
    const settings = serverSettings();
    for (const name of ['temporal', 'temporal-schema']) assert.deepEqual(services[name]?.env_file, ['deploy/temporal/server.env'], `${name} reads deploy/temporal/server.env`);
    assert.ok(services.temporal?.volumes?.includes(`./deploy/temporal/dynamicconfig.yaml:${settings.DYNAMIC_CONFIG_FILE_PATH}:ro`), 'the dynamic config is mounted where server.env says');
    const inline = Object.keys(services.temporal?.environment ?? {});
    assert.deepEqual(inline.filter((key) => key in settings), [], 'compose overrides no shared server setting');
    // What each side adds of its own is only where PostgreSQL is: the same variables of the template.
    const native = nativePlan().server.env;
    for (const key of inline) assert.ok(key in native, `start:cluster sets ${key} too`);
    assert.equal(native.DBNAME, settings.DBNAME);
    assert.equal(native.NUM_HISTORY_SHARDS, settings.NUM_HISTORY_SHARDS);
    assert.deepEqual(nativePlan().server.args.slice(-4), ['--env', 'docker', '--allow-no-auth', 'start'], 'natively too the server starts on its docker template');
    // On 7233, start:cluster's ports are the template's defaults, the ones the image listens on.
    const ports = Object.fromEntries(Object.entries(native).filter(([key]) => key.endsWith('_PORT') && key !== 'DB_PORT'));
    assert.deepEqual(ports, {
      FRONTEND_GRPC_PORT: '7233', FRONTEND_HTTP_PORT: '7243', HISTORY_GRPC_PORT: '7234', MATCHING_GRPC_PORT: '7235', WORKER_GRPC_PORT: '7239',
      FRONTEND_MEMBERSHIP_PORT: '6933', HISTORY_MEMBERSHIP_PORT: '6934', MATCHING_MEMBERSHIP_PORT: '6935', WORKER_MEMBERSHIP_PORT: '6939',
    });
  });

  it('runs as many workers with the same queue limits', async () => {
    const services = await compose();
    const workers = workerSettings();
    const worker = services.worker!;
    assert.deepEqual(worker.env_file, ['deploy/cluster.env']);
    assert.equal(worker.deploy?.replicas, Number(workers.CLUSTER_WORKERS));
    const limits = Object.fromEntries(Object.entries(workers).filter(([key]) => key !== 'CLUSTER_WORKERS'));
    assert.ok(Object.keys(limits).length >= 5, 'the provider limits are in deploy/cluster.env');
    const known = new Set<string>(CONFIG_VARIABLES);
    assert.deepEqual(Object.keys(limits).filter((key) => !known.has(key)), [], 'deploy/cluster.env sets only variables config.ts reads');
    const inline = Object.keys(worker.environment ?? {});
    assert.deepEqual(inline.filter((key) => key in workers), [], 'compose overrides none of them');
    assert.ok(!inline.includes('WORKER_TASK_QUEUES'), 'every worker polls every queue, as under start:cluster');
    const config = loadConfig({ ...limits, NODE_ENV: 'development' });
    assert.equal(config.PREDICTIONS_MAX_CONCURRENT, Number(limits.PREDICTIONS_MAX_CONCURRENT));
    assert.equal(config.GROQ_MAX_RPS, Number(limits.GROQ_MAX_RPS));
  });
});
