import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.js';

export interface MinioServer {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  stop(): Promise<void>;
}

/**
 * A MinIO server on free loopback ports with its data in `dataDir`, answering when this resolves.
 * A port found free can be taken before MinIO binds it (the Temporal dev server picks its own
 * ports at the same moment): then it is started again on other ports, up to three times.
 */
export async function startMinio(options: { bin: string; dataDir: string; timeoutMs?: number }): Promise<MinioServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startMinioOnce(options);
    } catch (error) {
      if (attempt >= 3 || !/port is already in use/i.test((error as Error).message)) throw error;
    }
  }
}

async function startMinioOnce(options: { bin: string; dataDir: string; timeoutMs?: number }): Promise<MinioServer> {
  await mkdir(options.dataDir, { recursive: true });
  const [port, consolePort] = [await freePort(), await freePort()];
  const accessKey = 'reelflow-test';
  const secretKey = randomBytes(16).toString('hex');
  const child = spawn(
    options.bin,
    ['server', options.dataDir, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MINIO_ROOT_USER: accessKey, MINIO_ROOT_PASSWORD: secretKey } },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => void (child.exitCode === null && child.kill('SIGKILL'));
  const stop = () => (kill(), exited);
  // Also on a crash of the test run: the server must not outlive it.
  process.once('exit', kill);

  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`minio exited with code ${child.exitCode}: ${stderr.trim()}`);
    const live = await fetch(`${endpoint}/minio/health/live`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (live) return { endpoint, accessKey, secretKey, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`minio did not answer on ${endpoint} within ${options.timeoutMs ?? 30_000} ms: ${stderr.trim()}`);
}
