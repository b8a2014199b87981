import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const root = resolve(import.meta.dirname, '..');

// A lock that npm would rewrite makes every fresh clone's `npm start` dirty the work tree, and makes
// the bootstrap's `npm ci` fall back to `npm install`.
test('npm leaves package-lock.json as committed: it matches package.json and is complete', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'reelflow-lock-'));
  try {
    await copyFile(join(root, 'package.json'), join(dir, 'package.json'));
    await copyFile(join(root, 'package-lock.json'), join(dir, 'package-lock.json'));
    await promisify(execFile)('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: dir });
    const [committed, after] = await Promise.all([readFile(join(root, 'package-lock.json'), 'utf8'), readFile(join(dir, 'package-lock.json'), 'utf8')]);
    assert.ok(committed === after, 'npm install rewrites package-lock.json: run it and commit the lock');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
