import type { components } from '../../lib/client/reelflow-client.js';

type Stage = components['schemas']['ProductAdStage']['stage_name'];
export type JobStreamEvent = components['schemas']['JobStreamEvent'];

/** The product-ad pipeline's stages in order, as the seed names them, with what a merchant reads. */
export const STAGES: readonly (readonly [Stage, string])[] = [
  ['script_gen', 'Script'],
  ['voice_gen', 'Voice-over'],
  ['video_gen', 'Visuals'],
  ['compositing', 'Compositing'],
];

interface StageState {
  progress: number;
  started?: number;
  ended?: number;
  costUsd: number;
  failed: boolean;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const dollars = (usd: number) => (usd > 0 && usd < 0.0001 ? '< $0.0001' : `$${usd.toFixed(4)}`);
const isStage = (name: string | null): name is Stage => STAGES.some(([stage]) => stage === name);

/** What the merchant reads for a stage name (`video_gen` → Visuals); the name itself when unknown. */
export const stageLabel = (name: string) => STAGES.find(([stage]) => stage === name)?.[1] ?? name;

/**
 * One bar per stage (a labelled `<progress>` with its percentage, time and cost), kept from the
 * engine's job events: a status event entering a stage starts it and completes the ones before;
 * progress events move its bar (0–1 within the stage); `cost_usd` in an event's detail is the
 * stage's provider cost; the job's `completed` fills every bar.
 */
export function createStageBars(container: HTMLElement) {
  const states = new Map<Stage, StageState>();
  const rows = new Map<Stage, { bar: HTMLProgressElement; percent: HTMLElement; time: HTMLElement; cost: HTMLElement }>();

  container.replaceChildren(
    ...STAGES.map(([stage, label]) => {
      states.set(stage, { progress: 0, costUsd: 0, failed: false });
      const row = document.createElement('div');
      row.className = 'bar';
      row.dataset.stage = stage;
      const head = document.createElement('div');
      head.className = 'bar__head';
      const name = document.createElement('span');
      name.id = `bar-${stage}`;
      name.textContent = label;
      const percent = document.createElement('span');
      head.append(name, percent);
      const bar = document.createElement('progress');
      bar.max = 100;
      bar.setAttribute('aria-labelledby', name.id);
      const meta = document.createElement('div');
      meta.className = 'bar__meta';
      const time = document.createElement('span');
      const cost = document.createElement('span');
      meta.append(time, cost);
      row.append(head, bar, meta);
      rows.set(stage, { bar, percent, time, cost });
      return row;
    }),
  );

  function draw() {
    const now = Date.now();
    for (const [stage, state] of states) {
      const row = rows.get(stage)!;
      row.bar.value = state.progress;
      row.percent.textContent = state.failed ? 'failed' : `${state.progress} %`;
      row.time.textContent = state.started === undefined ? 'waiting' : seconds((state.ended ?? now) - state.started);
      row.cost.textContent = state.started === undefined ? '' : dollars(state.costUsd);
    }
  }

  let current: Stage | undefined;
  function finishUpTo(index: number, at: number) {
    for (const [stage] of STAGES.slice(0, index)) {
      const state = states.get(stage)!;
      state.started ??= at;
      state.ended ??= at;
      state.progress = 100;
    }
  }

  return {
    /** Applies one job event; returns the job's status after it. */
    apply(event: JobStreamEvent): string {
      const at = Date.parse(event.at);
      const stage = isStage(event.stage) ? event.stage : undefined;
      if (stage && event.kind === 'status' && stage !== current) {
        finishUpTo(STAGES.findIndex(([name]) => name === stage), at);
        const state = states.get(stage)!;
        Object.assign(state, { started: at, ended: undefined, progress: 0, failed: false });
        current = stage;
      }
      const state = stage && states.get(stage);
      const cost = event.detail?.cost_usd;
      if (state && typeof cost === 'number') state.costUsd += cost;
      if (state && event.kind === 'progress' && event.progress !== null) state.progress = Math.max(state.progress, Math.round(event.progress * 100));
      if (event.status === 'completed') finishUpTo(STAGES.length, at);
      if (state && (event.status === 'failed' || event.status === 'cancelled')) {
        state.failed = true;
        state.ended = at;
      }
      draw();
      return event.status;
    },
    /** Redraws the running stage's time (call every second while the job runs). */
    tick: draw,
  };
}
