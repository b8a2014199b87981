import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serve, type ServerType } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { launchBrowser, openOriginPage, withScreenshotOnFailure } from '../../test/support/browser.js';
import { startGenerationStack, type GenerationStack } from '../../test/support/generation-stack.js';
import { waitUntil } from '../../test/support/job-streams.js';
import { recordToasts, saveDocsScreenshot, waitForPlayingVideo } from '../../test/support/page-toasts.js';
import { freePort } from '../../test/support/ports.js';

/**
 * The product-ad studio in Chromium against the real stack (Temporal, PostgreSQL, the local
 * template writer, espeak-ng and ffmpeg): the form, four stage bars moved by the WebSocket while
 * the ad is made, each ending at 100 % with its time and cost, and the ad playing.
 */

type Bars = Record<string, { value: number; percent: string; time: string; cost: string }>;

describe('the product-ad studio in Chromium', { timeout: 300_000 }, () => {
  let stack: GenerationStack;
  let server: ServerType;
  let origin: string;
  let browser: Browser;

  before(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    // Signed media links must point at the server the browser uses: same origin as the page.
    stack = await startGenerationStack({ env: { PUBLIC_BASE_URL: origin } });
    const websocket = { server: new WebSocketServer({ noServer: true }) };
    server = await new Promise<ServerType>((resolve) => {
      const started: ServerType = serve({ fetch: stack.app.fetch, hostname: '127.0.0.1', port, websocket }, () => resolve(started));
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await stack?.stop();
  });

  it('turns the form into a playing ad, each stage’s bar filling to 100 % with its time and cost', async () => {
    const { page, blocked } = await openOriginPage(browser, origin);
    await page.setViewportSize({ width: 390, height: 844 });
    const toasts = await recordToasts(page);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // No named functions inside: tsx would wrap them in a helper the page does not have.
    const bars = () =>
      page.locator('#stage-bars .bar').evaluateAll((rows) =>
        Object.fromEntries(
          rows.map((row) => {
            const element = row as unknown as { dataset: { stage: string }; querySelector(css: string): { value: number; textContent: string } };
            return [
              element.dataset.stage,
              {
                value: element.querySelector('progress').value,
                percent: element.querySelector('.bar__head span:last-child').textContent,
                time: element.querySelector('.bar__meta span:first-child').textContent,
                cost: element.querySelector('.bar__meta span:last-child').textContent,
              },
            ];
          }),
        ),
      ) as Promise<Bars>;

    await withScreenshotOnFailure(page, 'studio-page', async () => {
      await page.goto(`${origin}/studio/`);
      await page.getByLabel('Product name').fill('EcoWater Bottle');
      await page.getByLabel('Style').fill('modern');
      await page.getByLabel('Call to action').fill('Buy Now!');
      await page.getByLabel('Shape').selectOption('1:1');
      await page.getByRole('button', { name: 'Make the ad' }).click();
      await toasts.waitFor('Ad job created: making it now.');
      await page.getByRole('heading', { name: 'Making your ad' }).waitFor();

      // Snapshots while the ad is made: the bars move live, one stage after another.
      const snapshots: Bars[] = [];
      await waitUntil(
        async () => {
          snapshots.push(await bars());
          return page.locator('#ad-video').isVisible();
        },
        'the finished ad',
        180_000,
      );
      const order = ['script_gen', 'voice_gen', 'video_gen', 'compositing'];
      assert.deepEqual(Object.keys(snapshots[0]!), order);
      const partway = snapshots.filter((bars) => order.some((stage) => bars[stage]!.value < 100) && order.some((stage) => bars[stage]!.value > 0));
      assert.ok(partway.length > 0, 'seen part way through, not only at the end');
      for (const bars of snapshots) {
        const values = order.map((stage) => bars[stage]!.value);
        for (let i = 1; i < values.length; i++) assert.ok(values[i]! === 0 || values[i - 1] === 100, `a stage moved before the one before it ended: ${values}`);
      }

      const played = await waitForPlayingVideo(page, '#ad-video');
      assert.ok(played.readyState >= 2 && played.advancedTo > 0.3, JSON.stringify(played));
      const final = await bars();
      for (const stage of order) {
        assert.equal(final[stage]!.value, 100, stage);
        assert.equal(final[stage]!.percent, '100 %', stage);
        assert.match(final[stage]!.time, /^\d+\.\d s$/, stage);
        assert.match(final[stage]!.cost, /^(\$\d+\.\d{4}|< \$0\.0001)$/, stage);
      }
      assert.match(await page.locator('#ad-total').innerText(), /^Total cost \$\d+\.\d{4}$/);
      await page.getByText('Your ad is ready.').waitFor();
      assert.deepEqual(blocked, [], 'requests to other origins');
      assert.deepEqual(errors, [], 'uncaught errors in the page');
      await page.locator('#ad-video').evaluate((video) => (video as unknown as { pause(): void }).pause());
      await saveDocsScreenshot(page, 'studio-page');
    });
  });
});
