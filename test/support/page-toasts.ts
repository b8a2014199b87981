import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { waitUntil } from './job-streams.js';

/** One toast as the page showed it: its kind, its text and its computed background colour. */
export interface SeenToast {
  kind: string;
  text: string;
  background: string;
}

/**
 * Records every toast the page shows, even one removed a moment later ("Validating photo..."),
 * with its background colour as the user saw it. Call before the page loads.
 */
export async function recordToasts(page: Page): Promise<{ seen(): Promise<SeenToast[]>; waitFor(text: string): Promise<SeenToast> }> {
  // Runs in the page (a string: this project's TypeScript has no DOM types).
  await page.addInitScript({
    content: `window.seenToasts = [];
      new MutationObserver((mutations) => {
        for (const mutation of mutations) for (const node of mutation.addedNodes) {
          if (!(node instanceof HTMLElement) || !node.classList.contains('toast')) continue;
          window.seenToasts.push({ kind: node.dataset.kind, text: node.querySelector('.toast__text')?.textContent ?? '', background: getComputedStyle(node).backgroundColor });
        }
      }).observe(document, { childList: true, subtree: true });`,
  });
  const seen = () => page.evaluate('window.seenToasts ?? []') as Promise<SeenToast[]>;
  return {
    seen,
    async waitFor(text) {
      let found: SeenToast | undefined;
      await waitUntil(async () => (found = (await seen()).find((toast) => toast.text === text)) !== undefined, `the toast “${text}”`, 30_000);
      return found!;
    },
  };
}

/** The seed's toast colours (web/shared/pages.css): success green, error red, warning yellow, info blue. */
export const TOAST_BACKGROUNDS = {
  success: 'rgb(230, 244, 234)',
  error: 'rgb(252, 232, 230)',
  warning: 'rgb(255, 243, 196)',
  info: 'rgb(232, 240, 254)',
} as const;

/**
 * With REELFLOW_PAGE_SCREENSHOTS=1, saves the page as docs/<name>.png (the README shows them);
 * otherwise nothing, so test runs leave the tree as it was.
 */
export async function saveDocsScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.REELFLOW_PAGE_SCREENSHOTS !== '1') return;
  const docs = resolve(import.meta.dirname, '..', '..', 'docs');
  await mkdir(docs, { recursive: true });
  await page.screenshot({ path: join(docs, `${name}.png`), fullPage: true });
}

/** Waits until the page's `<video>` has frames to show (readyState ≥ 2) and its time moves on; its readyState and the time it reached. */
export async function waitForPlayingVideo(page: Page, selector: string): Promise<{ readyState: number; advancedTo: number }> {
  const video = page.locator(selector);
  await video.waitFor({ state: 'visible', timeout: 60_000 });
  const state = () =>
    video.evaluate((element) => {
      const { readyState, currentTime } = element as unknown as { readyState: number; currentTime: number };
      return { readyState, advancedTo: currentTime };
    });
  let first: { readyState: number; advancedTo: number } | undefined;
  await waitUntil(async () => (first = await state()).readyState >= 2, `${selector} to have frames (readyState ≥ 2)`, 30_000);
  let now = first!;
  await waitUntil(async () => (now = await state()).advancedTo > first!.advancedTo + 0.3, `${selector}'s currentTime to advance past ${first!.advancedTo}`, 30_000);
  return now;
}
