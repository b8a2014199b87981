import { z } from 'zod';

/**
 * Finding the prediction an earlier attempt created before it failed or its worker died, so the
 * next attempt polls it instead of paying for a second one. The predictions API takes no
 * idempotency key, and the prediction id reaches Temporal only in a heartbeat after the create has
 * answered — a heartbeat Temporal's SDK may hold back for most of the heartbeat timeout when the
 * attempt has heartbeated just before. An attempt after the first that has no prediction id looks
 * through the account's predictions listed since the activity was first scheduled for a live one of
 * the same model and input.
 */

/** What an attempt heartbeats while it polls. */
export const ResumeSchema = z.object({ predictionId: z.string().min(1) });

/**
 * A page of `GET /predictions` as Replicate answers it: newest first, 100 per page, `next` the
 * following page's URL, null on the last (replicate.com/docs/reference/http#predictions.list).
 */
export const PredictionPageSchema = z.object({
  next: z.string().nullable().optional(),
  results: z.array(
    z.object({
      id: z.string().min(1),
      model: z.string().optional(),
      version: z.string().optional(),
      input: z.unknown(),
      status: z.string().optional(),
      created_at: z.string(),
    }),
  ),
});
type ListedPrediction = z.infer<typeof PredictionPageSchema>['results'][number];

/** How much earlier than our own clock said the provider may have stamped the create. */
const CLOCK_SKEW_MS = 60_000;
/** Pages looked through at most (1,000 predictions): a busy account's minutes of predictions. */
export const MAX_PAGES = 10;

/**
 * Whether a listed prediction was created for this request: the same model (`version` as sent
 * may be a version id, `owner/name:version` or an official model's `owner/name`) and the same
 * input, URLs compared without their query strings (signed URLs are signed again per attempt).
 */
function isSameRequest(listed: ListedPrediction, request: { version: string; input: Record<string, unknown> }): boolean {
  const models = [listed.version, listed.model, listed.model && listed.version ? `${listed.model}:${listed.version}` : undefined];
  return models.includes(request.version) && canonical(listed.input) === canonical(request.input);
}

/** Statuses of a prediction worth taking over; one that failed, was canceled or aborted is left, and a new one made. */
const LIVE = new Set(['starting', 'processing', 'succeeded']);

/** The outcome of one page: the prediction found, `past` once the page reaches before `since`, else go on. */
export function searchPage(page: ListedPrediction[], request: { version: string; input: Record<string, unknown> }, since: Date): { found: string } | 'past' | 'more' {
  const from = since.getTime() - CLOCK_SKEW_MS;
  for (const listed of page) {
    if (Date.parse(listed.created_at) < from) return 'past';
    if (LIVE.has(listed.status ?? 'starting') && isSameRequest(listed, request)) return { found: listed.id };
  }
  return 'more';
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'string' && /^https?:\/\//i.test(item)) return item.split('?')[0];
    if (item && typeof item === 'object' && !Array.isArray(item)) {
      return Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)));
    }
    return item;
  });
}
