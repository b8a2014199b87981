import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isProviderError } from '../../test/support/provider-errors.js';
import type { AdBrief, ScenePlanRequest } from '../ports.js';
import { adScriptSchema } from './answers.js';
import { createLocalTextWriter, LOCAL_TEXT_MODEL } from './local-writer.js';
import { countWords, TEXT_REQUEST_INVALID } from './requests.js';

const writer = createLocalTextWriter();
const BRIEF: AdBrief = { productName: 'EcoWater Bottle', style: 'modern', ctaText: 'Buy Now!', hasProductImage: false, targetSeconds: 15 };
const SCENES: ScenePlanRequest = {
  conceptPrompt: '  Robot exploring Austin, Texas ',
  numScenes: 4,
  template: 'Scene {sequence} of {count} of a music video about {concept}. One continuous shot.',
  parameters: { scene_duration: 8, default_num_scenes: 4 },
};

describe('local text writer: ad scripts', () => {
  it('writes a script a Groq answer would have to match, from the brief, for free', async () => {
    const { value, model, usage } = await writer.writeAdScript(BRIEF);
    assert.equal(model, LOCAL_TEXT_MODEL);
    assert.deepEqual(usage, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    assert.ok(adScriptSchema(BRIEF).safeParse(value).success, 'passes the schema Groq answers are judged by');
    assert.match(value.hook, /EcoWater Bottle/);
    assert.match(value.callToAction, /Buy Now!$/);
    assert.equal(value.voiceover, `${value.hook} ${value.body} ${value.callToAction}`, 'spoken in order: hook, body, call to action');
    assert.deepEqual(value.onScreenLines.at(-1), { text: 'Buy Now!', startSeconds: value.onScreenLines.at(-1)!.startSeconds, endSeconds: 15 }, 'the call to action is on screen at the end');
    assert.match(value.visualPrompt, /EcoWater Bottle/);
    assert.match(value.visualPrompt, /modern/);
  });

  it('times the voice-over and the on-screen lines to the ad’s length, at any length and style', async () => {
    for (const style of ['modern', 'Energetic & bold', 'minimalist', 'luxury', 'playful', 'vintage']) {
      for (const targetSeconds of [5, 10, 15, 30, 60, 120]) {
        const brief = { ...BRIEF, style, targetSeconds };
        const { value } = await writer.writeAdScript(brief);
        const words = countWords(value.voiceover);
        // 2.5 words a second, give or take 40 %.
        assert.ok(Math.abs(words - targetSeconds * 2.5) <= targetSeconds * 2.5 * 0.4, `${style}, ${targetSeconds} s: ${words} words`);
        let previousEnd = 0;
        for (const line of value.onScreenLines) {
          assert.ok(line.startSeconds >= previousEnd - 1e-9 && line.startSeconds < line.endSeconds && line.endSeconds <= targetSeconds, `${style}, ${targetSeconds} s: ${JSON.stringify(line)}`);
          assert.ok(line.text.length <= 60);
          previousEnd = line.endSeconds;
        }
        assert.equal(previousEnd, targetSeconds, 'the lines cover the ad to its end');
        assert.ok(adScriptSchema(brief).safeParse(value).success, `${style}, ${targetSeconds} s`);
      }
    }
  });

  it('writes differently for different styles and photos, and the same for the same brief', async () => {
    const modern = await writer.writeAdScript(BRIEF);
    const energetic = await writer.writeAdScript({ ...BRIEF, style: 'energetic' });
    const minimalist = await writer.writeAdScript({ ...BRIEF, style: 'minimalist' });
    assert.equal(new Set([modern, energetic, minimalist].map((answer) => answer.value.hook)).size, 3);
    assert.notEqual(energetic.value.visualPrompt, minimalist.value.visualPrompt);
    const photo = await writer.writeAdScript({ ...BRIEF, hasProductImage: true });
    assert.match(photo.value.visualPrompt, /photo/);
    assert.doesNotMatch(modern.value.visualPrompt, /photo/);
    assert.deepEqual(await writer.writeAdScript({ ...BRIEF }), modern);
  });

  it('shortens a long product name to fit on screen', async () => {
    const brief = { ...BRIEF, productName: 'The Ultra Comfortable Ergonomic Memory Foam Travel Pillow, Deluxe Edition' };
    const { value } = await writer.writeAdScript(brief);
    assert.ok(value.onScreenLines.every((line) => line.text.length <= 60));
    assert.ok(adScriptSchema(brief).safeParse(value).success);
  });

  it('refuses an ad length it cannot fill', async () => {
    for (const targetSeconds of [0, 2, 121, Number.NaN]) {
      await assert.rejects(writer.writeAdScript({ ...BRIEF, targetSeconds }), isProviderError(TEXT_REQUEST_INVALID, false), `${targetSeconds} s`);
    }
  });
});

describe('local text writer: scene plans', () => {
  it('fills the flavor’s template once per scene, numbered from 1, each as long as the flavor says', async () => {
    const { value, model, usage } = await writer.planScenes(SCENES);
    assert.equal(model, LOCAL_TEXT_MODEL);
    assert.equal(usage.total_tokens, 0);
    assert.deepEqual(
      value.scenes.map((scene) => scene.sequence),
      [1, 2, 3, 4],
    );
    assert.deepEqual(value.scenes[1], { sequence: 2, prompt: 'Scene 2 of 4 of a music video about Robot exploring Austin, Texas. One continuous shot.', duration: 8 });
    assert.ok(value.scenes.every((scene) => scene.duration === 8));
    assert.deepEqual(await writer.planScenes({ ...SCENES }), { value, model, usage });
  });

  it('lasts 5 seconds a scene when the flavor does not say, and keeps other braces as written', async () => {
    const { value } = await writer.planScenes({ ...SCENES, numScenes: 2, template: '{concept} as JSON {"shot": {sequence}}', parameters: {} });
    assert.deepEqual(value.scenes, [
      { sequence: 1, prompt: 'Robot exploring Austin, Texas as JSON {"shot": 1}', duration: 5 },
      { sequence: 2, prompt: 'Robot exploring Austin, Texas as JSON {"shot": 2}', duration: 5 },
    ]);
  });

  it('uses a plain template when the flavor’s is blank', async () => {
    const { value } = await writer.planScenes({ ...SCENES, numScenes: 1, template: '  ' });
    assert.equal(value.scenes[0]?.prompt, 'Scene 1 of 1: Robot exploring Austin, Texas');
  });

  it('refuses a scene count or length it cannot plan', async () => {
    for (const request of [
      { ...SCENES, numScenes: 0 },
      { ...SCENES, numScenes: 2.5 },
      { ...SCENES, numScenes: 25 },
      { ...SCENES, parameters: { scene_duration: -1 } },
      { ...SCENES, parameters: { scene_duration: '8' } },
    ]) {
      await assert.rejects(writer.planScenes(request), isProviderError(TEXT_REQUEST_INVALID, false), JSON.stringify(request));
    }
  });
});
