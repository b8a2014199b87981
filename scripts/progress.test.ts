import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..');

/**
 * The bootstrap's long steps as a first `npm start` meets them: ensure_go_tool building a tool
 * that is nowhere yet, with a fake `go` that takes a few seconds (as `go install` of the Temporal
 * CLI takes minutes), sourced from the real scripts/ensure-tools.sh.
 */
describe('bootstrap progress on long steps', { timeout: 60_000 }, () => {
  let scratch = '';
  let fakeGo = '';

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'reelflow-progress-'));
    fakeGo = join(scratch, 'go-bin');
    await mkdir(fakeGo);
    // Module downloads chatter on stderr, as `go install` does; FAKE_GO_FAIL makes the build fail.
    await writeFile(
      join(fakeGo, 'go'),
      `#!/bin/sh
echo "go: downloading example.com/fake v1.0.0" >&2
sleep 2.5
if [ -n "$FAKE_GO_FAIL" ]; then echo "example.com/fake: undefined: Thing" >&2; exit 1; fi
printf '#!/bin/sh\\n' > "$GOBIN/reelflow-fake-tool" && chmod +x "$GOBIN/reelflow-fake-tool"
`,
    );
    await chmod(join(fakeGo, 'go'), 0o755);
  });
  after(() => rm(scratch, { recursive: true, force: true }));

  /** Runs ensure_go_tool for the fake tool in a fresh bash; through `script` it gets a terminal. */
  function build(options: { terminal?: boolean; fail?: boolean; tools: string }) {
    const steps = [
      'set -euo pipefail',
      `source ${JSON.stringify(join(ROOT, 'scripts/ensure-tools.sh'))}`,
      `TOOLS_BIN=${JSON.stringify(options.tools)}`,
      'ensure_go_tool FAKE_TOOL reelflow-fake-tool example.com/fake@v1.0.0 "a fake tool v1.0.0"',
      'echo "FAKE_TOOL=$FAKE_TOOL"',
    ].join('; ');
    const env = { ...process.env, PATH: `${fakeGo}:${process.env.PATH}`, REELFLOW_PROGRESS_SECONDS: '1', ...(options.fail ? { FAKE_GO_FAIL: '1' } : {}) };
    return options.terminal
      ? spawnSync('script', ['-qec', `bash -c ${shellQuote(steps)}`, '/dev/null'], { env, encoding: 'utf8' })
      : spawnSync('bash', ['-c', steps], { env, encoding: 'utf8' });
  }

  it('says what it builds, a line of elapsed time every interval, and how long it took, without the build chatter', async () => {
    const tools = join(scratch, 'tools-log');
    await mkdir(tools);
    const result = build({ tools });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), `FAKE_TOOL=${join(tools, 'reelflow-fake-tool')}`);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines[0], 'reelflow: building a fake tool v1.0.0 from the Go module proxy (a few minutes the first time)');
    const ticks = lines.slice(1, -1);
    assert.ok(ticks.length >= 1, `elapsed lines while it ran:\n${result.stderr}`);
    for (const [i, tick] of ticks.entries()) assert.equal(tick, `reelflow: building a fake tool v1.0.0: ${i + 1}s`);
    const took = /^reelflow: building a fake tool v1\.0\.0: done in (\d+)s$/.exec(lines.at(-1)!);
    assert.ok(took, lines.at(-1));
    assert.ok(Math.abs(Number(took[1]) - 2.5) <= 1, `took ${took[1]} s for a 2.5 s build`);
    assert.doesNotMatch(result.stderr, /go: downloading/);
  });

  it('on a terminal rewrites one line with the elapsed time, then replaces it with the result', async () => {
    const tools = join(scratch, 'tools-tty');
    await mkdir(tools);
    const result = build({ tools, terminal: true });
    assert.equal(result.status, 0, result.stdout);
    const output = result.stdout.replaceAll('\r\n', '\n');
    assert.match(output, /\rreelflow: building a fake tool v1\.0\.0: 1s \rreelflow: building a fake tool v1\.0\.0: 2s /);
    assert.match(output, /\r\x1b\[Kreelflow: building a fake tool v1\.0\.0: done in \d+s\n/);
    assert.doesNotMatch(output, /: 1s\n/, 'no elapsed line of its own on a terminal');
  });

  it('on failure says after how long, shows the end of the build output from its kept log, and stops the bootstrap', async () => {
    const tools = join(scratch, 'tools-fail');
    await mkdir(tools);
    const result = build({ tools, fail: true });
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '', 'nothing after the failed step ran');
    const failed = /^reelflow: building a fake tool v1\.0\.0: failed after \d+s \(exit 1\); the end of its output \((.+\.log)\):$/m.exec(result.stderr);
    assert.ok(failed, result.stderr);
    assert.match(result.stderr, /^ {2}example\.com\/fake: undefined: Thing$/m);
    assert.match(result.stderr, /^reelflow: building a fake tool v1\.0\.0 failed \(go install example\.com\/fake@v1\.0\.0\)$/m);
    await rm(failed[1]!);
  });
});

/** One argument for `script -c`, which hands its command to a shell. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
