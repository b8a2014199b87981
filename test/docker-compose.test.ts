import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { z } from 'zod';
import { CONFIG_VARIABLES, loadConfig } from '../lib/config.js';

const root = new URL('../', import.meta.url);

const ServiceSchema = z.object({
  image: z.string().optional(),
  build: z.unknown().optional(),
  command: z.unknown().optional(),
  environment: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  ports: z.array(z.string()).optional(),
  depends_on: z.unknown().optional(),
});
const ComposeSchema = z.object({ services: z.record(z.string(), ServiceSchema) });

/** Values a deployer would supply for `${VAR:?…}`; shaped so the production config accepts them. */
const DEPLOYER_VALUES: Record<string, string> = {
  ADMIN_TOKEN: 'a-long-production-admin-token-of-40-chars',
  PHONE_ENCRYPTION_KEY: 'a'.repeat(64),
  PHONE_HASH_KEY: 'b'.repeat(64),
  MEDIA_SIGNING_KEY: 'c'.repeat(64),
  SMS_WEBHOOK_URL: 'https://sms.example.com/send',
  SMS_WEBHOOK_SECRET: 'sms-secret',
  MINIO_ROOT_PASSWORD: 'minio-secret',
  SUPABASE_URL: 'https://project-ref.supabase.co',
  WEBHOOK_SIGNING_SECRET: 'whsec_cHJvZHVjdGlvbi13ZWJob29rLXNlY3JldC0tLS0=',
};

/** Compose's interpolation: ${VAR:-default} and ${VAR:?message}. */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => {
    if (kind === '?') {
      const supplied = DEPLOYER_VALUES[name];
      assert.ok(supplied, `test has no deployer value for required ${name}`);
      return supplied;
    }
    return kind === '-' ? (rest ?? '') : '';
  });
}

async function loadCompose() {
  const text = await readFile(new URL('docker-compose.yml', root), 'utf8');
  return ComposeSchema.parse(parse(text, { merge: true }));
}

function environmentOf(service: z.infer<typeof ServiceSchema>): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, interpolate(String(value))]));
}

describe('docker-compose.yml', () => {
  it('has the production-shaped services', async () => {
    const { services } = await loadCompose();
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'minio', 'migrate', 'api', 'worker']) {
      assert.ok(services[name], `service ${name} is missing`);
    }
    assert.ok(services.api?.build && services.worker?.build, 'api and worker build from the Dockerfile');
    const dockerfile = await readFile(new URL('Dockerfile', root), 'utf8');
    assert.match(dockerfile, /build-bundle\.ts dist\/workflow-bundle\.js/);
  });

  it('publishes the ports the README and config name', async () => {
    const { services } = await loadCompose();
    const production = loadConfig(environmentOf(services.api!));
    assert.ok(services.api?.ports?.includes(`${production.PORT}:${production.PORT}`));
    assert.ok(services['temporal-ui']?.ports?.includes('8233:8080'));
    assert.ok(services.temporal?.ports?.includes('7233:7233'));
    assert.ok(services.minio?.ports?.includes('9000:9000'));
    assert.ok(services.postgres?.ports?.includes('5432:5432'));
  });

  it('gives api, worker and migrate only variables the config module knows, and a valid production config', async () => {
    const { services } = await loadCompose();
    const known = new Set<string>(CONFIG_VARIABLES);
    for (const name of ['api', 'worker', 'migrate']) {
      const env = environmentOf(services[name]!);
      const unknown = Object.keys(env).filter((key) => !known.has(key));
      assert.deepEqual(unknown, [], `${name} sets variables config.ts does not read`);
      const config = loadConfig(env);
      assert.equal(config.NODE_ENV, 'production');
      assert.equal(config.TEMPORAL_ADDRESS, 'temporal:7233');
      assert.match(config.DATABASE_URL, /@postgres:5432\/reelflow$/);
      assert.equal(config.STORAGE_BACKEND, 's3');
      assert.equal(config.S3_ENDPOINT, 'http://minio:9000');
    }
    assert.equal(environmentOf(services.worker!).WORKFLOW_BUNDLE_PATH, '/app/dist/workflow-bundle.js');
  });

  it('points Temporal and its UI at the services that exist', async () => {
    const { services } = await loadCompose();
    assert.equal(environmentOf(services.temporal!).POSTGRES_SEEDS, 'postgres');
    assert.equal(environmentOf(services['temporal-ui']!).TEMPORAL_ADDRESS, 'temporal:7233');
  });
});
