import type { Context } from 'hono';
import { compress } from 'hono/compress';
import { ApiError } from '../lib/errors.js';
import { createRouter } from '../lib/router.js';
import type { Storage } from '../../providers/ports.js';
import type { AppEnv } from '../lib/types.js';
import { pageBundle, type PageName } from './bundle.js';

/** Where the built scripts and styles are served (names carry their content hash). */
export const PAGE_ASSETS_PATH = '/pages/assets';

/**
 * Pages may load from this origin only and talk to it only (fetch, EventSource, WebSocket), and
 * play videos from where the storage's signed links point (`mediaOrigin`); the selfie preview is
 * a blob: URL. No inline script or style.
 */
const contentSecurityPolicy = (mediaOrigin: string) =>
  [
    "default-src 'self'",
    "img-src 'self' blob: data:",
    `media-src 'self' blob: ${mediaOrigin}`.trim(),
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

const mediaOrigins = new WeakMap<Storage, Promise<string>>();

/**
 * The origin of the storage's signed links: PUBLIC_BASE_URL's for the local folder (it may differ
 * from the page's behind a proxy), the bucket's for S3. Read once per storage from a link signed
 * for a key that need not exist (signing is local); '' if signing fails, so videos then need 'self'.
 */
function mediaOrigin(storage: Storage): Promise<string> {
  let origin = mediaOrigins.get(storage);
  if (!origin) {
    origin = storage.signedUrl('pages/media-origin', 60).then(
      (url) => new URL(url).origin,
      () => '',
    );
    mediaOrigins.set(storage, origin);
  }
  return origin;
}

/** The values a page's HTML takes from the server: `{{name}}` in web/<page>/index.html. */
function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => values[name] ?? whole);
}

async function page(c: Context<AppEnv>, name: PageName) {
  const bundle = await pageBundle();
  const { html, script, style } = bundle.pages[name];
  const body = fill(html, {
    script: `${PAGE_ASSETS_PATH}/${script}`,
    style: `${PAGE_ASSETS_PATH}/${style}`,
    otpResendCooldownSeconds: String(c.var.deps.config.OTP_RESEND_COOLDOWN_SECONDS),
  });
  return c.html(body, 200, {
    'cache-control': 'no-cache',
    'content-security-policy': contentSecurityPolicy(await mediaOrigin(c.var.deps.storage)),
    // Tracking tokens travel in query strings of the page's own requests: never in a Referer.
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  });
}

/**
 * The people-facing pages (the router is not strict: `/closeup` and `/closeup/` alike): `/closeup/` (the Close-Up form, OTP, progress and video) and `/studio/`
 * (the product-ad studio), with their built scripts and styles under PAGE_ASSETS_PATH, cached for
 * a year (their names change with their content). Not in /openapi.json: they are pages, not API.
 */
export const pagesRouter = createRouter();

pagesRouter.get('/closeup', (c) => page(c, 'closeup'));
pagesRouter.get('/studio', (c) => page(c, 'studio'));
pagesRouter.get(`${PAGE_ASSETS_PATH}/:file`, compress(), async (c) => {
  const asset = (await pageBundle()).assets.get(c.req.param('file'));
  if (!asset) throw new ApiError(404, 'NotFound', `No page asset ${c.req.param('file')}`);
  return c.body(asset.contents, 200, {
    'content-type': asset.contentType,
    'cache-control': 'public, max-age=31536000, immutable',
    'x-content-type-options': 'nosniff',
  });
});
