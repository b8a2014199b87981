import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve, type ServerType } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import type { LipsyncGenerator } from '../../providers/ports.js';
import { launchBrowser, openOriginPage, withScreenshotOnFailure } from '../../test/support/browser.js';
import { freshMobile, startCloseupStack, type CloseupStack } from '../../test/support/closeup-stack.js';
import { testConfig } from '../../test/support/harness.js';
import { flatImage, texturedJpeg } from '../../test/support/images.js';
import { instantLipsync } from '../../test/support/instant-lipsync.js';
import { waitUntil } from '../../test/support/job-streams.js';
import { recordToasts, saveDocsScreenshot, TOAST_BACKGROUNDS, waitForPlayingVideo } from '../../test/support/page-toasts.js';
import { freePort } from '../../test/support/ports.js';

/**
 * The Close-Up page in Chromium with a fake camera, against the real stack (Temporal, PostgreSQL,
 * ffmpeg, the console OTP sender read as the SMS inbox): a phone-sized visitor fills the form,
 * takes a selfie, types a wrong code, asks for a new one, verifies, tries again while the video is
 * being made, follows it to the end and watches it play.
 */

describe('the Close-Up page in Chromium', { timeout: 300_000 }, () => {
  let stack: CloseupStack;
  let server: ServerType;
  let origin: string;
  let browser: Browser;
  // Lip-sync waits here (part way, heartbeating) until the test opens it.
  let openLipsync: () => void = () => {};
  const lipsyncHeld = new Promise<void>((resolve) => (openLipsync = resolve));

  before(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    const instant = instantLipsync(testConfig());
    const gated: LipsyncGenerator = {
      name: 'local',
      async generate(input, progress) {
        progress.report(0.4);
        const beat = setInterval(() => progress.heartbeat(), 1_000);
        await lipsyncHeld.finally(() => clearInterval(beat));
        return instant.generate(input, progress);
      },
    };
    // Signed media links must point at the server the browser uses: same origin as the page.
    stack = await startCloseupStack({ env: { OTP_RESEND_COOLDOWN_SECONDS: '2', PUBLIC_BASE_URL: origin }, providers: { lipsync: gated } });
    server = await new Promise<ServerType>((resolve) => {
      const started: ServerType = serve({ fetch: stack.app.fetch, hostname: '127.0.0.1', port }, () => resolve(started));
    });
    assert.equal((server.address() as AddressInfo).port, port);
    browser = await launchBrowser(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
  });
  after(async () => {
    openLipsync();
    await browser?.close();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await stack?.stop();
  });

  /** Fills the details (kept by the page after a first submission) and takes a selfie with the camera until it is approved. */
  async function fillForm(page: Page, mobile: string) {
    await page.getByLabel('Mobile number').fill(mobile);
    await page.getByLabel('Male', { exact: true }).check();
    await page.getByLabel('What do you love about yourself?').selectOption('Smile');
    await page.getByLabel('Relationship status').selectOption('Dating');
    await page.getByLabel('Vibe of your video').selectOption('Romance');
  }
  async function takeSelfie(page: Page) {
    const open = page.getByRole('button', { name: /^(Open camera|Retake)$/ });
    await open.first().click();
    await page.getByRole('button', { name: 'Take selfie' }).click();
    await page.getByText('Selfie approved.').waitFor({ timeout: 30_000 });
  }

  it('goes from the form to a playing video: a wrong code, a new code, the “already being processed” warning, the live stages', async () => {
    const { page, blocked } = await openOriginPage(browser, origin);
    await page.setViewportSize({ width: 390, height: 844 });
    const toasts = await recordToasts(page);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const mobile = freshMobile();

    await withScreenshotOnFailure(page, 'closeup-page', async () => {
      await page.goto(`${origin}/closeup/`);
      assert.equal(await page.getByRole('button', { name: 'Create my video' }).isDisabled(), true, 'no submission before an approved selfie');
      await fillForm(page, mobile);
      await takeSelfie(page);
      await toasts.waitFor('Photo validated successfully! ✓');
      assert.ok((await toasts.seen()).some((toast) => toast.text === 'Validating photo...' && toast.kind === 'info'), 'the photo check is announced');

      await page.getByRole('button', { name: 'Create my video' }).click();
      await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
      const first = await stack.codeFor(mobile);
      const wrong = first.replace(/\d$/, (digit) => String((Number(digit) + 1) % 10));
      await page.getByLabel(/6-digit code sent to/).fill(wrong);
      await page.getByRole('button', { name: 'Verify' }).click();
      await toasts.waitFor('Invalid OTP. Please try again.');
      await page.getByText('2 attempts left.').waitFor();

      // The resend button waits out the cooldown (2 s here), then a new code replaces the first.
      const resend = page.getByRole('button', { name: /^Resend code/ });
      assert.match((await resend.textContent()) ?? '', /^Resend code in \d s$/);
      assert.equal(await resend.isDisabled(), true);
      await page.getByRole('button', { name: 'Resend code', exact: true }).waitFor({ timeout: 10_000 });
      await waitUntil(async () => !(await resend.isDisabled()), 'the cooldown to end');
      const resent = Date.now();
      await resend.click();
      await toasts.waitFor('New OTP sent successfully!');
      const second = await stack.codeFor(mobile, resent);
      assert.notEqual(second, first);
      // Keyboard only: type the code, Enter sends it.
      await page.getByLabel(/6-digit code sent to/).fill(second);
      await page.getByLabel(/6-digit code sent to/).press('Enter');
      await toasts.waitFor('OTP verified successfully! 🎉');

      // Live stages: lip-sync is held part way.
      await page.getByRole('heading', { name: 'Making your video' }).waitFor();
      await page.getByText('Bringing your selfie to life…').waitFor({ timeout: 60_000 });
      const held = async () => await page.locator('#stage-progress').evaluate((bar) => (bar as unknown as { value: number }).value);
      await waitUntil(async () => (await held()) > 0, 'the bar to show lip-sync under way', 30_000);
      assert.ok((await held()) < 100, `lip-sync is held, the bar shows ${await held()} %`);
      const jobId = Number(/#job=(\d+)/.exec(page.url())?.[1]);
      assert.ok(jobId > 0, page.url());

      // Trying again meanwhile: the warning, no new job, a link back to the job in progress.
      await page.getByRole('button', { name: 'Make another video' }).click();
      await page.getByRole('heading', { name: 'Your details' }).waitFor();
      await takeSelfie(page);
      await page.getByRole('button', { name: 'Create my video' }).click();
      await toasts.waitFor('Your previous video is still being processed. Please wait...');
      await page.getByText(`Job #${jobId} is still being processed.`).waitFor();
      await page.getByText('Now: Bringing your selfie to life.').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Create my video' }).isDisabled(), true, 'submission blocked for this number');
      assert.equal(await stack.jobsOfMobile(mobile), 1);
      await page.getByRole('link', { name: `Track job #${jobId}` }).click();

      openLipsync();
      const played = await waitForPlayingVideo(page, '#result');
      assert.ok(played.readyState >= 2 && played.advancedTo > 0.3, JSON.stringify(played));
      await page.getByText('Your video is ready and on its way to WhatsApp.').waitFor({ timeout: 60_000 });
      const steps = await page.locator('#stages li').evaluateAll((items) =>
        items.map((item) => {
          const { dataset, lastElementChild } = item as unknown as { dataset: Record<string, string>; lastElementChild: { textContent: string } };
          return [dataset.status, dataset.state, lastElementChild.textContent !== ''];
        }),
      );
      assert.deepEqual(steps, [
        ['queued', 'done', true],
        ['photo_processing', 'done', true],
        ['photo_done', 'done', true],
        ['lipsync_processing', 'done', true],
        ['lipsync_done', 'done', true],
        ['stitching', 'done', true],
        ['uploaded', 'done', true],
        ['sent', 'done', true],
      ]);

      const seen = await toasts.seen();
      for (const toast of seen) assert.equal(toast.background, TOAST_BACKGROUNDS[toast.kind as keyof typeof TOAST_BACKGROUNDS], `${toast.kind} toast “${toast.text}”`);
      assert.deepEqual(new Set(seen.map((toast) => toast.kind)), new Set(['info', 'success', 'error', 'warning']));
      assert.deepEqual(blocked, [], 'requests to other origins');
      assert.deepEqual(errors, [], 'uncaught errors in the page');
      await page.locator('#result').evaluate((video) => (video as unknown as { pause(): void }).pause());
      await saveDocsScreenshot(page, 'closeup-page');
    });
  });
  it('falls back to the file picker when the camera is refused; a rejected photo and a refused form say so', async () => {
    const { page } = await openOriginPage(browser, origin);
    await page.setViewportSize({ width: 390, height: 844 });
    const toasts = await recordToasts(page);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // The visitor says no to the camera prompt.
    await page.addInitScript({ content: `navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));` });

    await withScreenshotOnFailure(page, 'closeup-page-fallback', async () => {
      await page.goto(`${origin}/closeup/`);
      await page.getByRole('button', { name: 'Open camera' }).click();
      await page.getByText('Camera access was refused: choose a photo instead.').waitFor();
      assert.equal(await page.evaluate('document.activeElement.id'), 'photo-file', 'focus moved to the file picker');

      const file = page.getByLabel('Or choose a photo');
      await file.setInputFiles({ name: 'wall.jpg', mimeType: 'image/jpeg', buffer: await flatImage(900, 1200).jpeg().toBuffer() });
      const rejected = await toasts.waitFor('Photo validation failed. Please retake.');
      assert.equal(rejected.background, TOAST_BACKGROUNDS.error);
      await page.getByText(/single flat colour/).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Create my video' }).isDisabled(), true, 'a rejected photo cannot be sent');

      await file.setInputFiles({ name: 'selfie.jpg', mimeType: 'image/jpeg', buffer: await texturedJpeg(900, 1200) });
      await page.getByText('Selfie approved.').waitFor({ timeout: 30_000 });
      await fillForm(page, '12345');
      await page.getByRole('button', { name: 'Create my video' }).click();
      await toasts.waitFor('Failed to submit video.');
      await page.getByRole('alert').filter({ hasText: /mobile_number/ }).waitFor();
      await page.getByRole('heading', { name: 'Your details' }).waitFor();
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    });
  });
});
