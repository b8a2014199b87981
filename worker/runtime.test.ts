import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { Runtime } from '@temporalio/worker';
import { pino } from 'pino';
import { testConfig } from '../test/support/harness.js';
import { bindAddress, installWorkerRuntime } from './runtime.js';

describe('worker runtime', () => {
  it('brackets an IPv6 host in the metrics bind address', () => {
    assert.equal(bindAddress('0.0.0.0', 9464), '0.0.0.0:9464');
    assert.equal(bindAddress('::', 9464), '[::]:9464');
  });

  it('runs without metrics, saying why, when WORKER_METRICS_PORT is taken (one Temporal runtime per process)', async () => {
    const squatter = createServer().listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    const { port } = squatter.address() as AddressInfo;
    const logged: { level: number; msg: string; bindAddress?: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line) as (typeof logged)[number]) });
    try {
      const served = installWorkerRuntime(testConfig({ HOST: '127.0.0.1', WORKER_METRICS_PORT: String(port) }), logger);
      assert.equal(served, undefined);
      assert.ok(Runtime.instance(), 'the runtime is installed all the same');
      const error = logged.find((line) => line.level === 50);
      assert.equal(error?.msg, `worker metrics not served: cannot listen on 127.0.0.1:${port} (WORKER_METRICS_PORT)`);
      assert.equal(error?.bindAddress, `127.0.0.1:${port}`);
    } finally {
      squatter.close();
    }
  });
});
