import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../../scripts/cluster/plan.js';

/**
 * `npm run start:cluster` as a test runs it: scripts/cluster/main.ts (what the npm script execs
 * once the bootstrap has the tools) with the test's environment, its output collected, and its
 * children found by what they run, for faults.
 */
export class ClusterSupervisor {
  output = '';
  readonly process: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(env: NodeJS.ProcessEnv) {
    this.process = spawn(process.execPath, ['--import', 'tsx', 'scripts/cluster/main.ts'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => (this.output += chunk.toString());
    this.process.stdout?.on('data', keep);
    this.process.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => this.process.once('exit', (code) => resolve(code)));
  }

  async waitFor(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (Date.now() > deadline || this.process.exitCode !== null) throw new Error(`start:cluster never printed ${pattern}; output:\n${this.output.slice(-4000)}`);
      await sleep(200);
    }
  }

  /** The supervisor's children whose command line matches `pattern` (pids). */
  children(pattern: RegExp): number[] {
    let lines: string[] = [];
    try {
      lines = execFileSync('pgrep', ['-a', '-P', String(this.process.pid)]).toString().trim().split('\n');
    } catch {
      return [];
    }
    return lines.filter((line) => pattern.test(line)).map((line) => Number(line.split(' ')[0]));
  }

  /** Ctrl-C; resolves with the exit code, or undefined if it has not exited within `timeoutMs`. */
  async interrupt(timeoutMs = 40_000): Promise<number | null | undefined> {
    this.process.kill('SIGINT');
    return Promise.race([this.exited, sleep(timeoutMs).then(() => undefined)]);
  }

  /** SIGKILLs the children, then the supervisor (so none is left orphaned). */
  kill(): void {
    for (const pid of this.children(/./)) process.kill(pid, 'SIGKILL');
    this.process.kill('SIGKILL');
  }
}
