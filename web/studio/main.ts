import { api, errorBody, formBody, socketUrl, toFormData, type MultipartBody } from '../shared/api.js';
import { byId, showView } from '../shared/dom.js';
import { toast } from '../shared/toast.js';
import { createStageBars, stageLabel, type JobStreamEvent } from './stage-bars.js';

/**
 * The product-ad studio (/studio/): POST /api/generate, then the job's stages live over the
 * engine's WebSocket (/api/v1/jobs/{job}/ws: every status and progress event, replayed from the
 * start, resumed with `since` after a drop), then GET /api/jobs/{job_id} for the finished ad.
 */

type GenerateBody = MultipartBody<'/api/generate'>;
type AspectRatio = NonNullable<GenerateBody['aspect_ratio']>;
const ASPECT_RATIOS: readonly string[] = ['9:16', '1:1', '4:3', '3:4', '16:9'] satisfies AspectRatio[];
const isAspectRatio = (value: string): value is AspectRatio => ASPECT_RATIOS.includes(value);
const ENDED = new Set(['completed', 'failed', 'cancelled']);

const form = byId('ad-form', HTMLFormElement);
const formView = byId('ad-form-view', HTMLElement);
const progressView = byId('ad-progress-view', HTMLElement);
const views = [formView, progressView];
const formError = byId('ad-form-error', HTMLParagraphElement);
const generate = byId('generate', HTMLButtonElement);
const status = byId('ad-status', HTMLParagraphElement);
const total = byId('ad-total', HTMLParagraphElement);
const player = byId('ad-video', HTMLVideoElement);
const download = byId('ad-download', HTMLAnchorElement);
/** Stops following the job shown (its socket, its reconnects, its clock). */
let stopFollowing = () => {};

async function showAd(jobId: string) {
  const { data } = await api.GET('/api/jobs/{job_id}', { params: { path: { job_id: jobId } } });
  if (!data) return;
  total.textContent = `Total cost $${data.cost_usd.toFixed(4)}`;
  if (!data.video_url) return;
  player.src = data.video_url;
  player.hidden = false;
  download.href = data.video_url;
  download.hidden = false;
}

function follow(jobId: string) {
  const bars = createStageBars(byId('stage-bars', HTMLDivElement));
  let lastSeq = 0;
  let ended = false;
  let socket: WebSocket | undefined;
  const clock = setInterval(bars.tick, 1000);
  stopFollowing = () => {
    ended = true;
    clearInterval(clock);
    socket?.close();
  };
  const connect = () => {
    socket = new WebSocket(socketUrl(`/api/v1/jobs/${jobId}/ws?since=${lastSeq}`));
    socket.addEventListener('message', (message) => {
      const body = JSON.parse(String(message.data)) as { type: string } & JobStreamEvent;
      if (body.type !== 'event') return;
      lastSeq = body.seq;
      const now = bars.apply(body);
      if (body.kind === 'status') status.textContent = body.stage && !ENDED.has(now) ? `Working on: ${stageLabel(body.stage)}…` : now;
      if (!ENDED.has(now)) return;
      stopFollowing();
      if (now === 'completed') {
        status.textContent = 'Your ad is ready.';
        void showAd(jobId);
      } else {
        status.textContent = now === 'cancelled' ? 'The job was cancelled.' : `The ad could not be made: ${String(body.detail?.message ?? 'the job failed')}.`;
        toast('error', status.textContent);
      }
    });
    socket.addEventListener('close', () => {
      if (!ended) setTimeout(connect, 1000);
    });
  };
  connect();
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const field = (name: string) => String(data.get(name) ?? '').trim();
  const image = data.get('product_image');
  const aspectRatio = field('aspect_ratio');
  const missing = [['product name', field('product_name')], ['style', field('style')], ['call to action', field('cta_text')]].filter(([, value]) => !value).map(([name]) => name);
  if (missing.length > 0 || !isAspectRatio(aspectRatio)) {
    formError.textContent = `Please fill in: ${missing.join(', ')}.`;
    formError.hidden = false;
    return;
  }
  formError.hidden = true;
  generate.disabled = true;
  const body = formBody<GenerateBody>({
    product_name: field('product_name'),
    style: field('style'),
    cta_text: field('cta_text'),
    aspect_ratio: aspectRatio,
    ...(image instanceof File && image.size > 0 ? { product_image: image } : {}),
  });
  const answer = await api.POST('/api/generate', { body, bodySerializer: toFormData }).catch(() => ({ data: undefined, error: { message: 'The connection failed: try again.' } }));
  generate.disabled = false;
  if (!answer.data) {
    const message = errorBody(answer.error).message ?? 'The ad could not be started.';
    toast('error', message);
    formError.textContent = message;
    formError.hidden = false;
    return;
  }
  toast('success', 'Ad job created: making it now.');
  player.hidden = true;
  download.hidden = true;
  total.textContent = `Estimated time: about ${Math.round(answer.data.estimated_completion_time)} s`;
  status.textContent = 'Waiting in the queue…';
  showView(views, progressView);
  follow(answer.data.job_id);
});

byId('another-ad', HTMLButtonElement).addEventListener('click', () => {
  stopFollowing();
  showView(views, formView);
});
