import type { components } from '../../lib/client/reelflow-client.js';
import { api } from '../shared/api.js';
import { byId } from '../shared/dom.js';

type JobStreamEvent = components['schemas']['JobStreamEvent'];

/** The seed's lifecycle as the user reads it, in order. */
const STEPS = [
  ['queued', 'In the queue'],
  ['photo_processing', 'Preparing your photo'],
  ['photo_done', 'Photo ready'],
  ['lipsync_processing', 'Bringing your selfie to life'],
  ['lipsync_done', 'Lip-sync ready'],
  ['stitching', 'Putting your video together'],
  ['uploaded', 'Video ready'],
  ['sent', 'Sent to you on WhatsApp'],
] as const;
const FINAL = new Set(['sent', 'failed', 'otp_expired']);

/** What the user reads for a job status (`lipsync_processing` → Bringing your selfie to life). */
export function statusLabel(status: string): string {
  if (status === 'awaiting_otp') return 'Waiting for your code';
  return STEPS.find(([step]) => step === status)?.[1] ?? status.replace(/_/g, ' ');
}

const clock = (at: string) => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/**
 * A job's live progress: the engine's event stream (GET /api/v1/jobs/{job}/events, SSE, with the
 * tracking token) marks each stage as it is entered and moves the bar with the stage's progress
 * events; once the video is uploaded its signed link (GET /api/v1/video/jobs/{job_id}) plays here.
 */
export function setupProgressView() {
  const status = byId('progress-status', HTMLParagraphElement);
  const bar = byId('stage-progress', HTMLProgressElement);
  const list = byId('stages', HTMLOListElement);
  const player = byId('result', HTMLVideoElement);
  const download = byId('download', HTMLAnchorElement);
  let source: EventSource | undefined;

  function draw(reached: Map<string, string>, current: string) {
    const currentIndex = STEPS.findIndex(([step]) => step === current);
    list.replaceChildren(
      ...STEPS.map(([step, label], index) => {
        const item = document.createElement('li');
        item.dataset.status = step;
        item.dataset.state = step === current && current !== 'sent' ? 'current' : index <= currentIndex ? 'done' : 'waiting';
        const name = document.createElement('span');
        name.textContent = label;
        const at = document.createElement('span');
        const time = reached.get(step);
        at.textContent = time ? clock(time) : '';
        item.append(name, at);
        if (item.dataset.state === 'current') item.setAttribute('aria-current', 'step');
        return item;
      }),
    );
  }

  async function showVideo(jobId: number, token: string) {
    if (!player.hidden) return;
    const { data } = await api.GET('/api/v1/video/jobs/{job_id}', { params: { path: { job_id: jobId }, query: { tracking_token: token } } });
    if (!data?.video_url) return;
    player.src = data.video_url;
    player.hidden = false;
    download.href = data.video_url;
    download.hidden = false;
  }

  return {
    /** Follows job `jobId` until it ends (or `stop`). */
    follow(jobId: number, token: string) {
      this.stop();
      const reached = new Map<string, string>();
      player.hidden = true;
      player.removeAttribute('src');
      download.hidden = true;
      bar.value = 0;
      status.textContent = 'Connecting…';
      draw(reached, '');
      const events = new EventSource(`/api/v1/jobs/${jobId}/events?tracking_token=${encodeURIComponent(token)}`);
      source = events;
      events.addEventListener('status', (message) => {
        const event = JSON.parse((message as MessageEvent<string>).data) as JobStreamEvent;
        reached.set(event.status, event.at);
        bar.value = 0;
        const step = STEPS.find(([name]) => name === event.status);
        if (step) {
          status.textContent = `${step[1]}…`;
          draw(reached, event.status);
        } else if (event.status === 'awaiting_otp') {
          status.textContent = 'Waiting for your code…';
        } else if (event.status === 'failed') {
          const failedAt = event.stage;
          // Delivery runs after the upload: the video exists and plays here, only WhatsApp failed.
          status.textContent =
            failedAt === 'delivery'
              ? 'Your video is ready below, but sending it on WhatsApp failed.'
              : `Sorry, your video could not be made${failedAt ? ` (${failedAt.replace(/_/g, ' ')})` : ''}. Please submit again.`;
          list.querySelector('[data-state="current"]')?.setAttribute('data-state', 'failed');
        } else if (event.status === 'otp_expired') {
          status.textContent = 'The code was not entered in time. Please submit the form again.';
        }
        if (event.status === 'uploaded' || event.status === 'sent') {
          bar.value = 100;
          if (event.status === 'sent') status.textContent = 'Your video is ready and on its way to WhatsApp.';
          void showVideo(jobId, token);
        }
        if (FINAL.has(event.status)) events.close();
      });
      events.addEventListener('progress', (message) => {
        const event = JSON.parse((message as MessageEvent<string>).data) as JobStreamEvent;
        if (event.progress !== null) bar.value = Math.round(event.progress * 100);
      });
      events.addEventListener('error', () => {
        if (events.readyState === EventSource.CONNECTING) status.textContent = 'Connection lost, reconnecting…';
      });
    },
    stop() {
      source?.close();
      source = undefined;
    },
  };
}
