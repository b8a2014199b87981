import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosWorld } from './world.js';

/**
 * The faults: the worker SIGKILLed every few seconds (a fresh one started at once, as a supervisor
 * would), the Temporal dev server restarted once and PostgreSQL restarted once (immediate shutdown,
 * crash recovery), each down for `downSeconds`. Runs until `stop` aborts; every event is logged.
 */

export interface FaultPlan {
  /** Mean seconds between worker kills (each gap is drawn from 0.5× to 1.5× of it). */
  killEverySeconds: number;
  /** When, in seconds from the start, each dependency goes down. */
  temporalRestartAt: number;
  postgresRestartAt: number;
  downSeconds: number;
}

export interface FaultTally {
  workerKills: number;
  workerStarts: number;
  temporalRestarts: number;
  postgresRestarts: number;
  /** Down windows, seconds from the start, for reading the load's 503s against. */
  outages: string[];
}

export async function runFaults(world: ChaosWorld, plan: FaultPlan, stop: AbortSignal, say: (line: string) => void): Promise<FaultTally> {
  const started = Date.now();
  const at = () => ((Date.now() - started) / 1000).toFixed(1);
  const tally: FaultTally = { workerKills: 0, workerStarts: 0, temporalRestarts: 0, postgresRestarts: 0, outages: [] };

  const outage = async (name: string, down: () => Promise<void>, up: () => Promise<void>) => {
    const from = at();
    say(`${from} s: ${name} down`);
    await down();
    await sleep(plan.downSeconds * 1000);
    await up();
    tally.outages.push(`${name} ${from}–${at()} s`);
    say(`${at()} s: ${name} up again`);
  };

  const dependencies = (async () => {
    const restarts = [
      { at: plan.temporalRestartAt, run: () => outage('temporal', () => world.temporal.stop(), () => world.temporal.start()).then(() => void tally.temporalRestarts++) },
      { at: plan.postgresRestartAt, run: () => outage('postgres', () => world.postgres.stop('immediate'), () => world.postgres.start()).then(() => void tally.postgresRestarts++) },
    ].sort((a, b) => a.at - b.at);
    for (const restart of restarts) {
      const wait = restart.at * 1000 - (Date.now() - started);
      if (wait > 0) await sleep(wait, undefined, { signal: stop }).catch(() => undefined);
      if (stop.aborted) return;
      await restart.run();
    }
  })();

  while (!stop.aborted) {
    const gap = randomInt(Math.round(plan.killEverySeconds * 500), Math.round(plan.killEverySeconds * 1500) + 1);
    await sleep(gap, undefined, { signal: stop }).catch(() => undefined);
    if (stop.aborted) break;
    await world.workers.kill();
    tally.workerKills += 1;
    // A worker that cannot come up (Temporal down for longer than its patience) is tried again.
    for (let attempt = 0; !stop.aborted; attempt++) {
      const ok = await world.workers.start().then(() => true, (error: Error) => (say(`${at()} s: worker start failed: ${error.message.split('\n')[0]}`), false));
      tally.workerStarts += 1;
      if (ok) break;
      await sleep(1000);
    }
  }
  await dependencies;
  // The run ends with a worker up, so the drain can finish every job.
  if (!world.workers.alive()) await world.workers.start();
  return tally;
}
