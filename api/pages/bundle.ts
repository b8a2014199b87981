import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { build } from 'esbuild';

/**
 * The pages' scripts and styles, built by esbuild in memory the first time a page is asked for
 * (about 0.1 s), so nobody runs a build by hand: each page's TypeScript (web/<page>/main.ts) with
 * the typed client (lib/client) and openapi-fetch in one ES module, and the shared stylesheet.
 * Each file is named by a hash of its content, so a browser may keep it for a year and a change is
 * a new URL. esbuild is the one tsx already installs (tsx is a dependency), not a dependency of its own.
 */

/** The repository's web/ folder: the pages' sources. */
export const WEB_ROOT = resolve(import.meta.dirname, '..', '..', 'web');

/** The pages served, each a folder of web/ with index.html and main.ts. */
export const PAGES = ['closeup', 'studio'] as const;
export type PageName = (typeof PAGES)[number];

export interface BuiltAsset {
  contents: Uint8Array<ArrayBuffer>;
  contentType: string;
}

export interface PageBundle {
  /** Built files by name (`closeup-3FJX2K7Q.js`, `pages-…css`, their `.map`s). */
  assets: Map<string, BuiltAsset>;
  /** Each page's HTML template and the names of its script and stylesheet. */
  pages: Record<PageName, { html: string; script: string; style: string }>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

async function buildPages(): Promise<PageBundle> {
  const entryPoints = Object.fromEntries([...PAGES.map((page) => [page, join(WEB_ROOT, page, 'main.ts')]), ['pages', join(WEB_ROOT, 'shared', 'pages.css')]]);
  const result = await build({
    entryPoints,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: true,
    sourcemap: 'linked',
    write: false,
    outdir: '/assets',
    entryNames: '[name]-[hash]',
    tsconfig: join(WEB_ROOT, 'tsconfig.json'),
    logLevel: 'silent',
  });
  const assets = new Map<string, BuiltAsset>();
  for (const file of result.outputFiles) {
    const name = basename(file.path);
    const extension = name.slice(name.lastIndexOf('.'));
    assets.set(name, { contents: new Uint8Array(file.contents), contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream' });
  }
  const named = (prefix: string, extension: string) => {
    const found = [...assets.keys()].find((name) => name.startsWith(`${prefix}-`) && name.endsWith(extension));
    if (!found) throw new Error(`esbuild wrote no ${prefix}${extension}`);
    return found;
  };
  const style = named('pages', '.css');
  const pages = Object.fromEntries(
    await Promise.all(PAGES.map(async (page) => [page, { html: await readFile(join(WEB_ROOT, page, 'index.html'), 'utf8'), script: named(page, '.js'), style }])),
  ) as PageBundle['pages'];
  return { assets, pages };
}

let built: Promise<PageBundle> | undefined;

/** The pages' build, made once per process; a failed build is tried again on the next call. */
export function pageBundle(): Promise<PageBundle> {
  built ??= buildPages();
  built.catch(() => (built = undefined));
  return built;
}
