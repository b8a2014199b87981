import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Page tests in a real browser: Debian's Chromium (CHROMIUM_PATH, which scripts/ensure-tools.sh
 * sets; /usr/bin/chromium otherwise) driven by playwright-core, headless. Pages may reach their
 * own origin only, so a page that needs the internet fails here as it would offline.
 */

/** Launches headless Chromium; `args` adds switches (e.g. `--use-fake-device-for-media-stream`). Close it with `browser.close()`. */
export function launchBrowser(args: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args });
}

export interface OriginPage {
  page: Page;
  /** URLs the page asked for on other origins, aborted (in order). */
  blocked: string[];
}

/**
 * A new page in its own context that may load only from `origin` (e.g. `http://127.0.0.1:4123`):
 * every other request (CDNs, fonts, telemetry) is aborted and noted in `blocked`.
 */
export async function openOriginPage(browser: Browser, origin: string): Promise<OriginPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const blocked: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    blocked.push(url);
    return route.abort('internetdisconnected');
  });
  return { page, blocked };
}

/**
 * Where failure screenshots go: beside the test run's scratch folder (test/run.ts makes it in the
 * system temp folder, points TMPDIR inside it, and deletes it when the run ends), so they outlive the run.
 */
const screenshotParent = () => (process.env.REELFLOW_TEST_SCRATCH ? dirname(process.env.REELFLOW_TEST_SCRATCH) : tmpdir());

/**
 * Runs `steps`; if they throw, saves a full-page screenshot of `page` under a new temp folder,
 * prints its path, and rethrows (the error message names the file too).
 */
export async function withScreenshotOnFailure<T>(page: Page, name: string, steps: () => Promise<T>): Promise<T> {
  try {
    return await steps();
  } catch (error) {
    const file = join(await mkdtemp(join(screenshotParent(), 'reelflow-screenshot-')), `${name}.png`);
    const saved = await page.screenshot({ path: file, fullPage: true }).then(
      () => true,
      () => false,
    );
    if (saved) {
      console.log(`screenshot of the failed page: ${file}`);
      if (error instanceof Error) error.message += `\n(screenshot: ${file})`;
    }
    throw error;
  }
}
