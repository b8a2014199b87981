import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as workflows from '../workflows/index.js';
import { PIPELINES } from './index.js';

describe('pipeline registry', () => {
  it('names each pipeline once, and only workflows the worker bundle exports', () => {
    const names = PIPELINES.map((pipeline) => pipeline.name);
    assert.equal(new Set(names).size, names.length, `duplicate pipeline names: ${names.join(', ')}`);
    for (const pipeline of PIPELINES) {
      for (const workflow of pipeline.workflows) {
        assert.equal(typeof (workflows as Record<string, unknown>)[workflow], 'function', `${pipeline.name}: ${workflow} is not exported by workflows/index.ts`);
      }
    }
  });
});
