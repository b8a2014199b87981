import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../test/support/ports.js';
import { testSql } from '../test/support/harness.js';
import { selfTestWorkflow } from '../workflows/self-test.js';

/** The supervisor behind `npm start`, on its own ports and its own Temporal file. */
class DevStack {
  output = '';
  private exited: Promise<number | null>;
  readonly process: ChildProcess;

  constructor(env: Record<string, string>) {
    this.process = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], {
      cwd: new URL('..', import.meta.url).pathname,
      env: { ...process.env, ...env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.process.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => this.process.once('exit', (code) => resolve(code)));
  }

  async waitFor(pattern: RegExp, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (Date.now() > deadline || this.process.exitCode !== null) {
        assert.fail(`supervisor never printed ${pattern}; output:\n${this.output.slice(-3000)}`);
      }
      await sleep(200);
    }
  }

  children(): number[] {
    try {
      return execFileSync('pgrep', ['-P', String(this.process.pid)]).toString().trim().split('\n').map(Number);
    } catch {
      return [];
    }
  }

  childRunning(pattern: RegExp): number | undefined {
    return this.children().find((pid) => {
      try {
        return pattern.test(execFileSync('ps', ['-o', 'args=', '-p', String(pid)]).toString());
      } catch {
        return false;
      }
    });
  }

  async stop(): Promise<number | null> {
    this.process.kill('SIGINT');
    return this.exited;
  }
}

describe('npm start supervisor', { timeout: 240_000 }, () => {
  const sql = testSql();
  let scratch = '';
  after(async () => {
    await sql.end();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('boots Temporal with its UI, worker and API; restarts what dies; stops cleanly; keeps data across restarts', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'reelflow-dev-'));
    const [apiPort, temporalPort, uiPort, workerMetricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const env = {
      PORT: String(apiPort),
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      TEMPORAL_UI_PORT: String(uiPort),
      TEMPORAL_DB_FILE: join(scratch, 'temporal.db'),
      TEMPORAL_TASK_QUEUE: `dev-${randomUUID().slice(0, 8)}`,
      MEDIA_ROOT: join(scratch, 'media'),
      WORKER_METRICS_PORT: String(workerMetricsPort),
    };
    const api = `http://127.0.0.1:${apiPort}`;

    const first = new DevStack(env);
    await first.waitFor(/up and running/);
    assert.match(first.output, new RegExp(`Temporal UI\\s+http://localhost:8233`));
    assert.match(first.output, new RegExp(`API metrics\\s+http://localhost:${apiPort}/metrics`));
    for (const page of ['/closeup/', '/studio/']) {
      assert.match(first.output, new RegExp(`page\\s+http://localhost:${apiPort}${page}`));
      assert.equal((await fetch(`${api}${page}`)).status, 200, `${page} is served`);
    }
    assert.match(first.output, new RegExp(`Worker metrics\\s+http://localhost:${workerMetricsPort}/metrics`));
    const ready = await fetch(`${api}/readyz`);
    assert.equal(ready.status, 200);
    const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
    assert.equal(ui.status, 200, 'Temporal Web UI answers');

    // A workflow started from outside runs its activity on the supervised worker and lands in PostgreSQL.
    const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    const client = new Client({ connection });
    const id = randomUUID();
    const workflowId = `self-test-${id}`;
    const record = await client.workflow.execute(selfTestWorkflow, {
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      workflowId,
      args: [{ id, requestedAt: new Date().toISOString() }],
    });
    const [row] = await sql`select workflow_run_id from self_tests where id = ${id}`;
    assert.equal(row?.workflow_run_id, record.workflowRunId);
    await connection.close();
    // Both printed metrics URLs answer: the API's series and the worker's Temporal SDK ones.
    assert.match(await (await fetch(`${api}/metrics`)).text(), /^reelflow_http_requests_total\{/m);
    assert.match(await (await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`)).text(), /^temporal_workflow_completed\{[^}]*workflow_type="selfTestWorkflow"/m);

    // A killed API is reported and restarted.
    const apiPid = first.childRunning(/api\/main\.ts/);
    assert.ok(apiPid, 'api child process found');
    process.kill(apiPid, 'SIGKILL');
    await first.waitFor(/api exited unexpectedly \(SIGKILL\); restarting/);
    for (let i = 0; i < 60 && !(await fetch(`${api}/readyz`).then((r) => r.ok, () => false)); i++) await sleep(500);
    assert.equal((await fetch(`${api}/readyz`)).status, 200, 'API is back');

    const children = [/server start-dev/, /worker\/main\.ts/, /api\/main\.ts/].map((pattern) => first.childRunning(pattern));
    assert.ok(children.every((pid) => pid !== undefined), 'temporal, worker and api run under the supervisor');
    assert.equal(await first.stop(), 0);
    const alive = children.filter((pid) => {
      try {
        process.kill(pid!, 0);
        return true;
      } catch {
        return false;
      }
    });
    assert.deepEqual(alive, [], 'no child left running after Ctrl-C');
    assert.match(first.output, /stopped/);
    await assert.rejects(fetch(`${api}/healthz`), 'API is down after stop');

    // Second start on the same file: the workflow's history is still there.
    const second = new DevStack(env);
    await second.waitFor(/up and running/);
    const again = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    const description = await new Client({ connection: again }).workflow.getHandle(workflowId).describe();
    assert.equal(description.status.name, 'COMPLETED');
    await again.close();
    assert.equal(await second.stop(), 0);
  });

  it('refuses a wrong setting in one line naming it', () => {
    let stderr = '';
    try {
      execFileSync(process.execPath, ['--import', 'tsx', 'scripts/check-config.ts'], {
        cwd: new URL('..', import.meta.url).pathname,
        env: { ...process.env, PORT: 'abc' },
        stdio: 'pipe',
      });
      assert.fail('check-config accepted PORT=abc');
    } catch (error) {
      stderr = String((error as { stderr?: Buffer }).stderr);
    }
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.match(stderr, /^Invalid configuration: PORT must be a port number \(got "abc"\)/);
  });
});
