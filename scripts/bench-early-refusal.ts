/**
 * Whether clients read an early 413 (issue 12, fault 5): an oversized multipart form posted to a
 * loopback server by undici's fetch and by node:http, sized and chunked, against the API's body
 * limits (api/lib/body-limits.ts) and against Hono's bodyLimit closing at once, as the API did
 * before. Prints, per client, how many of RUNS attempts read the 413 JSON, the errors seen
 * instead, and the median time to the answer.
 *
 *   npx tsx scripts/bench-early-refusal.ts [runs=20]
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { bodyLimits, MULTIPART_BODY_LIMIT } from '../api/lib/body-limits.js';
import type { AppEnv } from '../api/lib/types.js';

const RUNS = Number(process.argv[2] ?? 20);
const MB = 1024 * 1024;
const CONTENT_TYPE = 'multipart/form-data; boundary=bench';
const HEAD = Buffer.from('--bench\r\nContent-Disposition: form-data; name="photo"; filename="selfie.jpg"\r\nContent-Type: image/jpeg\r\n\r\n');

const closeAtOnce: MiddlewareHandler = bodyLimit({
  maxSize: MULTIPART_BODY_LIMIT,
  onError: (c) => c.json({ error: 'PayloadTooLarge' }, 413, { connection: 'close' }),
});

async function server(limit: MiddlewareHandler<AppEnv>) {
  const app = new Hono<AppEnv>();
  app.use(limit);
  app.post('/form', async (c) => c.json({ fields: [...(await c.req.formData()).keys()] }));
  const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => started.once('listening', resolve));
  return { url: `http://127.0.0.1:${(started.address() as AddressInfo).port}/form`, close: () => new Promise((resolve) => started.close(resolve)) };
}

/** HEAD then zeros, `total` bytes in 64 KB chunks. */
function* chunks(total: number) {
  for (let sent = 0; sent < total; sent += 64 * 1024) yield sent === 0 ? Buffer.concat([HEAD, Buffer.alloc(64 * 1024 - HEAD.length)]) : Buffer.alloc(Math.min(64 * 1024, total - sent));
}

type Outcome = { read413: boolean; error?: string };

async function byFetch(url: string, total: number, chunked: boolean): Promise<Outcome> {
  const body = chunked ? ReadableStream.from(chunks(total)) : Buffer.concat([...chunks(total)]);
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': CONTENT_TYPE }, body, duplex: 'half' } as RequestInit);
    const answer = (await response.json()) as { error?: string };
    return { read413: response.status === 413 && answer.error === 'PayloadTooLarge' };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { read413: false, error: cause?.code ?? (error as Error).message };
  }
}

function byNodeHttp(url: string, total: number, chunked: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': CONTENT_TYPE, ...(chunked ? {} : { 'content-length': String(total) }) } });
    let error: string | undefined;
    let text = '';
    let status = 0;
    req.on('error', (failure: NodeJS.ErrnoException) => (error ??= failure.code ?? failure.message));
    req.on('response', (response) => {
      status = response.statusCode ?? 0;
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
    });
    req.on('close', () => resolve({ read413: status === 413 && !error && text.includes('PayloadTooLarge'), ...(error ? { error } : {}) }));
    const source = chunks(total);
    const send = () => {
      for (let next = source.next(); !next.done; next = source.next()) if (!req.write(next.value)) return void req.once('drain', send);
      req.end();
    };
    send();
  });
}

const CLIENTS = [
  ['fetch, 11 MB sized', (url: string) => byFetch(url, 11 * MB, false)],
  ['fetch, 64 MB chunked', (url: string) => byFetch(url, 64 * MB, true)],
  ['node:http, 11 MB sized', (url: string) => byNodeHttp(url, 11 * MB, false)],
  ['node:http, 64 MB chunked', (url: string) => byNodeHttp(url, 64 * MB, true)],
] as const;

const rows: string[][] = [['server', 'client', `413 read of ${RUNS}`, 'errors instead', 'median ms']];
for (const [label, limit] of [['hono bodyLimit, close at once (before)', closeAtOnce], ['api/lib/body-limits.ts (drain, then close)', bodyLimits(new Set())]] as const) {
  const { url, close } = await server(limit as MiddlewareHandler<AppEnv>);
  for (const [client, send] of CLIENTS) {
    const times: number[] = [];
    const errors = new Map<string, number>();
    let read = 0;
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      const outcome = await send(url);
      times.push(performance.now() - started);
      if (outcome.read413) read++;
      if (outcome.error) errors.set(outcome.error, (errors.get(outcome.error) ?? 0) + 1);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] ?? NaN;
    rows.push([label, client, String(read), [...errors].map(([code, n]) => `${code} ×${n}`).join(', ') || '-', median.toFixed(0)]);
  }
  await close();
}
const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  '));
