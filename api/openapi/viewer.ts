import { createReadStream, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Scalar } from '@scalar/hono-api-reference';
import { compress } from 'hono/compress';
import type { AppOpenAPI } from '../lib/types.js';

/** @scalar/api-reference's folder in node_modules (its main module is dist/index.js). */
const packageRoot = join(dirname(fileURLToPath(import.meta.resolve('@scalar/api-reference'))), '..');
const { version } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
/** The viewer as one self-contained browser script (about 4.8 MB; its styles are inside). */
const STANDALONE = join(packageRoot, 'dist', 'browser', 'standalone.js');

/**
 * Where /docs loads its viewer from: this server, never a CDN, so the page renders offline. The
 * package version is in the path, so a browser may keep the file for a year and an upgrade is a
 * new URL.
 */
export const DOCS_VIEWER_PATH = `/docs/assets/scalar-api-reference@${version}/standalone.js`;

/**
 * Serves `GET /docs` (Scalar's API reference over /openapi.json) and the viewer script it loads,
 * streamed from node_modules, gzipped for clients that take it. The page asks for no font or other
 * file elsewhere (Scalar's default fonts come from fonts.scalar.com: the system's are used instead).
 * Scalar's own buttons that lead to its hosted services (Generate SDK, Deploy) are links that need the internet.
 */
export function serveDocs(app: AppOpenAPI): void {
  const size = statSync(STANDALONE).size;
  app.get(DOCS_VIEWER_PATH, compress(), () => {
    const body = Readable.toWeb(createReadStream(STANDALONE)) as ReadableStream<Uint8Array>;
    return new Response(body, {
      headers: {
        'content-type': 'text/javascript; charset=utf-8',
        'content-length': String(size),
        'cache-control': 'public, max-age=31536000, immutable',
      },
    });
  });
  app.get(
    '/docs',
    Scalar({
      url: '/openapi.json',
      pageTitle: 'reelflow API',
      cdn: DOCS_VIEWER_PATH,
      withDefaultFonts: false,
      // Every operation listed at once; none of Scalar's hosted services (its AI chat, telemetry).
      defaultOpenAllTags: true,
      telemetry: false,
      agent: { disabled: true },
    }),
  );
}
