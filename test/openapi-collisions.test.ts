import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { pino } from 'pino';
import { createApp } from '../api/app.js';
import { feedRouter } from '../api/feed/feed.index.js';
import { createAppDeps } from '../api/lib/deps.js';
import { createRouter } from '../api/lib/router.js';
import type { AppDeps, AppOpenAPI } from '../api/lib/types.js';
import { createTemporalClient } from '../lib/temporal.js';
import { testConfig, testSql } from './support/harness.js';

/**
 * Every product's routes in one app: no two operations may answer the same request. Checked on
 * /openapi.json (paths equal once parameter names are ignored), on the registry behind it (an
 * exact duplicate would overwrite its twin in the document), and on the router (a request for
 * each documented operation must reach that operation, not an earlier route whose parameter
 * swallows its literal segment — /videos/{video_id} registered before /videos/stats, say).
 */

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
interface Operation {
  method: string;
  path: string;
  label: string;
}
interface OpenApiDocument {
  paths: Record<string, Partial<Record<(typeof METHODS)[number], { operationId?: string; tags?: string[]; summary?: string }>>>;
}

/** `/videos/{video_id}` and `/videos/{id}` are one route: parameter names do not route. */
const normalise = (openApiPath: string) => openApiPath.replace(/\{[^}/]*\}/g, '{}');
/** A Hono route path in the same form: `:id` and `:key{.+}` segments are parameters. */
const normaliseHono = (honoPath: string) => honoPath.split('/').map((segment) => (segment.startsWith(':') ? '{}' : segment)).join('/');
const key = (method: string, path: string) => `${method.toUpperCase()} ${normalise(path)}`;

async function operationsOf(app: AppOpenAPI): Promise<Operation[]> {
  const response = await app.request('/openapi.json');
  assert.equal(response.status, 200);
  const document = (await response.json()) as OpenApiDocument;
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method];
      if (!operation) return [];
      const label = `${method.toUpperCase()} ${path} (${operation.tags?.join(', ') || operation.operationId || operation.summary || 'untagged'})`;
      return [{ method: method.toUpperCase(), path, label }];
    }),
  );
}

/** The route (its normalised Hono path) that first handles `method path`: middleware (ALL) skipped. */
function firstRoute(app: AppOpenAPI, method: string, path: string): string | undefined {
  const [matches] = app.router.match(method, path);
  const route = matches.map(([[, r]]) => r).find((r) => r.method !== 'ALL');
  return route && normaliseHono(route.path);
}

/** Sample values a parameter may take: one of them reaches the operation's own route unless something shadows it. */
const SAMPLES = ['00000000-0000-4000-8000-000000000001', '1', 'sample'];

/** Groups of operations with the same method and normalised path, one line each. */
function collisions(operations: Operation[]): string[] {
  const byKey = new Map<string, Operation[]>();
  for (const operation of operations) byKey.set(key(operation.method, operation.path), [...(byKey.get(key(operation.method, operation.path)) ?? []), operation]);
  return [...byKey.values()].filter((group) => group.length > 1).map((group) => group.map((operation) => operation.label).join('  ⇄  '));
}

/** Method and normalised path of operations registered more than once (the document keeps the last of each). */
function registeredTwice(app: AppOpenAPI): string[] {
  const registered = app.openAPIRegistry.definitions.flatMap((definition) => (definition.type === 'route' ? [key(definition.route.method, definition.route.path)] : []));
  return [...new Set(registered.filter((one, index) => registered.indexOf(one) !== index))];
}

/** Operations a request for them never reaches, each with the route that answers it instead. */
function shadowed(app: AppOpenAPI, operations: Operation[]): string[] {
  return operations.flatMap((operation) => {
    const answers = SAMPLES.map((sample) => firstRoute(app, operation.method, operation.path.replace(/\{[^}/]*\}/g, sample)));
    if (answers.includes(normalise(operation.path))) return [];
    return [`${operation.label} is answered by ${operation.method} ${answers.find((answer) => answer !== undefined) ?? '(no route)'}`];
  });
}

describe('OpenAPI: no two products collide', () => {
  const config = testConfig();
  const sql = testSql(config);
  const temporal = createTemporalClient(config);
  const deps: AppDeps = createAppDeps(config, { logger: pino({ level: 'silent' }), sql, temporal });
  const app = createApp(deps);
  let operations: Operation[];
  before(async () => {
    operations = await operationsOf(app);
  });
  after(async () => {
    await deps.hub.close();
    await sql.end();
    await temporal.connection.close();
  });

  it('documents routes of several products, under distinct method and path (parameter names ignored)', () => {
    assert.ok(operations.length > 20, `only ${operations.length} operations documented`);
    const found = collisions(operations);
    assert.deepEqual(found, [], `operations answering the same requests:\n${found.join('\n')}`);
  });

  it('registers no operation twice (the document would keep only the last)', () => {
    const twice = registeredTwice(app);
    assert.deepEqual(twice, [], `registered more than once: ${twice.join(', ')}`);
    assert.equal(app.openAPIRegistry.definitions.filter((definition) => definition.type === 'route').length, operations.length);
  });

  it('routes a request for every operation to that operation, not to an earlier route that shadows it', () => {
    const found = shadowed(app, operations);
    assert.deepEqual(found, [], `unreachable operations:\n${found.join('\n')}`);
  });

  it('keeps the feed under FEED_BASE_PATH, and nothing else there', async () => {
    const feed = feedRouter.openAPIRegistry.definitions.flatMap((definition) => (definition.type === 'route' ? [{ method: definition.route.method.toUpperCase(), path: definition.route.path }] : []));
    for (const base of [config.FEED_BASE_PATH, '/social/v2']) {
      const mounted = base === config.FEED_BASE_PATH ? operations : await operationsOf(createApp({ ...deps, config: { ...config, FEED_BASE_PATH: base } }));
      const expected = feed.map((operation) => key(operation.method, `${base}${operation.path === '/' ? '' : operation.path}`)).sort();
      const underBase = mounted.filter((operation) => operation.path === base || operation.path.startsWith(`${base}/`)).map((operation) => key(operation.method, operation.path)).sort();
      assert.deepEqual(underBase, expected, `the operations under ${base} are the feed's`);
      if (base !== config.FEED_BASE_PATH) {
        const leftBehind = mounted.filter((operation) => operation.path.startsWith(`${config.FEED_BASE_PATH}/`)).map((operation) => operation.label);
        assert.deepEqual(leftBehind, [], `nothing stays at ${config.FEED_BASE_PATH} when the feed is mounted at ${base}`);
      }
    }
  });
});

describe('OpenAPI collision checks (on a tiny app, so they are known to catch what they look for)', () => {
  const route = (method: 'get' | 'post', path: string, tag: string) =>
    createRoute({ method, path, tags: [tag], responses: { 200: { description: 'ok', content: { 'application/json': { schema: z.object({}) } } } } });
  const ok = (c: Context) => c.json({}, 200);

  it('reports equal paths under other parameter names, and a literal route a parameter registered first swallows', async () => {
    const app = createRouter();
    const generation = createRouter();
    generation.openapi(route('get', '/videos/{video_id}', 'generation'), ok);
    generation.openapi(route('get', '/videos/stats', 'generation'), ok);
    const feed = createRouter();
    feed.openapi(route('get', '/videos/{id}', 'feed'), ok);
    feed.openapi(route('post', '/videos/{id}', 'feed'), ok);
    app.route('/', generation);
    app.route('/', feed);
    app.doc31('/openapi.json', { openapi: '3.1.0', info: { title: 'tiny', version: '0' } });
    const operations = await operationsOf(app);
    assert.deepEqual(collisions(operations), ['GET /videos/{video_id} (generation)  ⇄  GET /videos/{id} (feed)']);
    // The feed's GET /videos/{id} is answered by the generation's twin: a collision, reported above.
    assert.deepEqual(shadowed(app, operations), ['GET /videos/stats (generation) is answered by GET /videos/{}']);
    assert.deepEqual(registeredTwice(app), ['GET /videos/{}']);
  });

  it('reports an exact duplicate, which the document itself hides', async () => {
    const app = createRouter();
    for (const tag of ['feed', 'generation']) {
      const product = createRouter();
      product.openapi(route('post', '/videos/{id}', tag), ok);
      app.route('/', product);
    }
    app.doc31('/openapi.json', { openapi: '3.1.0', info: { title: 'tiny', version: '0' } });
    const operations = await operationsOf(app);
    assert.equal(operations.length, 1);
    assert.deepEqual(collisions(operations), []);
    assert.deepEqual(registeredTwice(app), ['POST /videos/{}']);
  });
});
