import { readdir, readFile } from 'node:fs/promises';

/** What /proc says about processes: which ffmpeg a given process started, and whether a pid still runs. */

export interface ProcessInfo {
  pid: number;
  /** The command line, one argument per entry. */
  args: string[];
}

function parseStat(stat: string): { comm: string; state: string; ppid: number } | undefined {
  // "pid (comm) state ppid …"; comm may contain spaces, so split after the last ')'.
  const match = /^\d+ \((.*)\) (\S) (\d+)/s.exec(stat);
  return match?.[1] !== undefined && match[2] && match[3] ? { comm: match[1], state: match[2], ppid: Number(match[3]) } : undefined;
}

/** Running ffmpeg processes whose parent is `parentPid`. */
export async function ffmpegProcessesOf(parentPid: number): Promise<ProcessInfo[]> {
  const found: ProcessInfo[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = parseStat(await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => ''));
    if (stat?.comm !== 'ffmpeg' || stat.ppid !== parentPid || stat.state === 'Z') continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    found.push({ pid: Number(entry), args: cmdline.split('\0').filter(Boolean) });
  }
  return found;
}

/** True while `pid` is a `comm` process that has not exited (a zombie, exited but not reaped, counts as gone). */
export async function isRunning(pid: number, comm: string): Promise<boolean> {
  const stat = parseStat(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''));
  return stat?.comm === comm && stat.state !== 'Z';
}
