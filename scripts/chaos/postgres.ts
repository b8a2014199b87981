import { execFile, spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import postgres from 'postgres';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of the chaos run's own: initdb into `dir` (trust auth, loopback only) and
 * the postmaster on a free port, never the system cluster on 5432. `restart()` stops it the hard
 * way (immediate shutdown: crash recovery on start) and starts it again on the same port and data,
 * through pg_ctl. As root, initdb and postgres refuse to run, so they run as the `postgres` user.
 */
export interface PostgresCluster {
  url: (database: string) => string;
  port: number;
  /** Stops the server; it stays down until start(). */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
}

async function binDir(): Promise<string> {
  const versions = (await readdir('/usr/lib/postgresql').catch(() => [] as string[])).sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary, as the postgres user when we are root. */
function command(bin: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

async function answers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 1, onnotice: () => undefined });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => undefined);
  }
}

export async function startPostgresCluster(dir: string, port: number): Promise<PostgresCluster> {
  const bin = await binDir();
  const data = join(dir, 'data');
  await mkdir(dir, { recursive: true });
  if (asRoot) {
    // The run's scratch folder (mkdtemp: 0700, root's) must let the postgres user through to its own.
    await chmod(dirname(dir), 0o711);
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  await chmod(dir, 0o700);
  const [initdb, initArgs] = command(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  await run(initdb, initArgs);

  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const pgCtl = (args: string[]) => command(join(bin, 'pg_ctl'), ['-D', data, ...args]);

  async function start(): Promise<void> {
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    const [ctl, args] = pgCtl(['-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
    await run(ctl, args);
    const deadline = Date.now() + 30_000;
    while (!(await answers(url('postgres')))) {
      if (Date.now() > deadline) throw new Error(`postgres did not answer on port ${port} (see ${join(dir, 'server.log')})`);
      await sleep(200);
    }
  }

  async function stop(mode: 'fast' | 'immediate'): Promise<void> {
    const [ctl, args] = pgCtl(['-m', mode, '-w', 'stop']);
    await run(ctl, args).catch((error: Error) => {
      if (!/not running|No such process|does not exist/i.test(error.message)) throw error;
    });
  }

  // Should the run die some other way, its server must not outlive it.
  process.once('exit', () => {
    const [ctl, args] = pgCtl(['-m', 'immediate', 'stop']);
    spawnSync(ctl, args, { stdio: 'ignore' });
  });
  await start();
  return { url, port, start, stop };
}
