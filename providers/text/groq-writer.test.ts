import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GROQ_FAKE_KEY, GROQ_FAKE_TEXT_MODEL, GROQ_JSON_OBJECT_MODEL, groqFailures, startGroqFake, type GroqFake } from '../../test/fakes/groq.js';
import type { AdBrief, AdScript, ScenePlanRequest } from '../ports.js';
import { isProviderError } from '../../test/support/provider-errors.js';
import { ProviderError } from '../provider-error.js';
import { createGroqTextWriter, LLM_BAD_ANSWER, type GroqWriterOptions } from './groq-writer.js';

let groq: GroqFake;
before(async () => {
  groq = await startGroqFake();
});
after(() => groq.close());
beforeEach(() => {
  groq.requests.length = 0;
  groq.failures.length = 0;
  groq.answers.length = 0;
});

const writer = (overrides: Partial<GroqWriterOptions> = {}) =>
  createGroqTextWriter({ apiKey: GROQ_FAKE_KEY, baseURL: groq.url, model: GROQ_FAKE_TEXT_MODEL, timeoutMs: 2000, ...overrides });

const BRIEF: AdBrief = { productName: 'EcoWater Bottle', style: 'energetic', ctaText: 'Buy Now!', hasProductImage: true, targetSeconds: 15 };

// 39 words: 15 s at about 2.5 words a second.
const SCRIPT: AdScript = {
  hook: 'Thirsty for more?',
  body: 'EcoWater Bottle keeps your water ice cold for a full day, fits every bag, and never leaks.',
  callToAction: 'Grab yours today. Buy Now!',
  voiceover:
    'Thirsty for more? EcoWater Bottle keeps your water ice cold for a full day, fits every bag, and never leaks. Made from recycled steel, built for every adventure, and ready for your busiest days. Grab yours today. Buy Now!',
  onScreenLines: [
    { text: 'Ice cold all day', startSeconds: 3, endSeconds: 9 },
    { text: 'Thirsty for more?', startSeconds: 0, endSeconds: 3 },
    { text: 'Buy Now!', startSeconds: 12, endSeconds: 15 },
  ],
  visualPrompt: 'The bottle from the photo spins on a wet rock by a waterfall, droplets flying, fast orbit, bright morning light',
};
const answer = (script: unknown) => JSON.stringify(script);

// The fake's usage: 1200 prompt tokens a request, a completion token per 4 characters.
const usageOf = (...contents: string[]) => {
  const completion = contents.reduce((sum, content) => sum + Math.ceil(content.length / 4), 0);
  return { prompt_tokens: 1200 * contents.length, completion_tokens: completion, total_tokens: 1200 * contents.length + completion };
};

const lastUserMessage = (index: number) => {
  const content = groq.requests[index]?.body.messages.at(-1)?.content;
  assert.equal(typeof content, 'string');
  return content as string;
};

describe('Groq text writer: ad scripts', () => {
  it('asks for strict JSON with the script’s schema and returns the validated script, its model and usage', async () => {
    groq.answers.push(answer(SCRIPT));
    const result = await writer().writeAdScript(BRIEF);
    assert.equal(result.model, GROQ_FAKE_TEXT_MODEL);
    assert.deepEqual(result.usage, usageOf(answer(SCRIPT)));
    assert.equal(result.value.callToAction, SCRIPT.callToAction);
    assert.deepEqual(
      result.value.onScreenLines.map((line) => line.text),
      ['Thirsty for more?', 'Ice cold all day', 'Buy Now!'],
      'in time order',
    );

    const { body } = groq.requests[0]!;
    assert.equal(body.response_format?.type, 'json_schema');
    assert.equal(body.response_format?.json_schema?.name, 'ad_script');
    assert.equal(body.response_format?.json_schema?.strict, true);
    const schema = body.response_format?.json_schema?.schema as { required: string[]; properties: Record<string, { description?: string }> };
    assert.deepEqual(schema.required, ['hook', 'body', 'callToAction', 'voiceover', 'onScreenLines', 'visualPrompt']);
    assert.match(schema.properties['voiceover']?.description ?? '', /22 to 53 words/);
    assert.match(JSON.stringify(schema.properties['onScreenLines']), /at most 15/, 'the ad’s length bounds the times');
    assert.doesNotMatch(JSON.stringify(schema), /"(minLength|maxLength|minItems|maxItems|minimum|maximum)"/, 'bounds travel as words');
    const [system, user] = body.messages;
    assert.equal(system?.role, 'system');
    assert.ok(String(system?.content).includes(JSON.stringify(schema)), 'the schema is in the prompt too');
    assert.match(String(system?.content), /15-second ad/);
    assert.deepEqual(JSON.parse(String(user?.content)), { product: 'EcoWater Bottle', style: 'energetic', callToAction: 'Buy Now!', seconds: 15, hasProductPhoto: true });
  });

  it('asks again within the call after an answer that is not JSON, and sums the usage', async () => {
    const broken = '{"hook": "Thirsty for more?", "body": ';
    groq.answers.push(broken, answer(SCRIPT));
    const result = await writer().writeAdScript(BRIEF);
    assert.equal(result.value.hook, SCRIPT.hook);
    assert.equal(groq.requests.length, 2);
    assert.deepEqual(result.usage, usageOf(broken, answer(SCRIPT)));
    const retry = groq.requests[1]!.body.messages;
    assert.deepEqual(retry.at(-2), { role: 'assistant', content: broken }, 'the model sees what it said');
    assert.match(lastUserMessage(1), /not JSON/);
  });

  it('feeds back times outside the ad, lines that end before they start and a missing call to action', async () => {
    const wrong = {
      ...SCRIPT,
      callToAction: 'Grab yours today.',
      onScreenLines: [
        { text: 'Thirsty for more?', startSeconds: 0, endSeconds: 3 },
        { text: 'Ice cold all day', startSeconds: 9, endSeconds: 4 },
        { text: 'Buy Now!', startSeconds: 12, endSeconds: 20 },
      ],
    };
    groq.answers.push(answer(wrong), answer(SCRIPT));
    const result = await writer().writeAdScript(BRIEF);
    assert.ok(result.value.onScreenLines.every((line) => line.startSeconds < line.endSeconds && line.endSeconds <= 15));
    const feedback = lastUserMessage(1);
    assert.match(feedback, /onScreenLines\[2\]\.endSeconds/);
    assert.match(feedback, /onScreenLines\[1\]: starts at 9 s and ends at 4 s/);
    assert.match(feedback, /"Buy Now!"/);
  });

  it('takes the text of an answer Groq refused as JSON (json_validate_failed) as an answer to fix', async () => {
    groq.failures.push(groqFailures.jsonValidateFailed('max completion tokens reached before generating a valid document'));
    groq.answers.push(answer(SCRIPT));
    const result = await writer().writeAdScript(BRIEF);
    assert.equal(result.value.hook, SCRIPT.hook);
    assert.deepEqual(result.usage, usageOf(answer(SCRIPT)), 'Groq reports no usage for the refused one');
    assert.match(lastUserMessage(1), /max completion tokens reached/);
  });

  it('gives up with a non-retryable LLM_BAD_ANSWER naming the problem after three unusable answers', async () => {
    const tooLong = { ...SCRIPT, voiceover: `${SCRIPT.voiceover} ${'and so much more '.repeat(10)}` };
    groq.answers.push(answer(tooLong), answer(tooLong), answer(tooLong), answer(SCRIPT));
    await assert.rejects(
      writer().writeAdScript(BRIEF),
      isProviderError(LLM_BAD_ANSWER, false, (error) => assert.match(error.message, /3 unusable ad scripts; in the last, voiceover: has 79 words; 22 to 53 fit 15 seconds/)),
    );
    assert.equal(groq.requests.length, 3);
  });

  it('falls back to JSON-object mode for a model without structured outputs, and remembers', async () => {
    const jsonObjectWriter = writer({ model: GROQ_JSON_OBJECT_MODEL });
    // Without a schema to hold it, a model may wrap its JSON in Markdown.
    const fenced = `\`\`\`json\n${answer(SCRIPT)}\n\`\`\``;
    groq.answers.push(answer(SCRIPT), fenced);
    const first = await jsonObjectWriter.writeAdScript(BRIEF);
    assert.equal(first.model, GROQ_JSON_OBJECT_MODEL);
    assert.deepEqual(first.usage, usageOf(answer(SCRIPT)), 'the refused request cost nothing');
    const second = await jsonObjectWriter.writeAdScript(BRIEF);
    assert.equal(second.value.hook, SCRIPT.hook);
    assert.deepEqual(
      groq.requests.map((request) => request.body.response_format?.type),
      ['json_schema', 'json_object', 'json_object'],
    );
  });
});

describe('Groq text writer: failures', () => {
  it('retries a rate limit after the time Groq asks for, without retrying inside the call', async () => {
    groq.failures.push(groqFailures.rateLimited(7));
    await assert.rejects(writer().writeAdScript(BRIEF), isProviderError('GROQ_429', true, (error) => assert.equal(error.retryAfterMs, 7000)));
    assert.equal(groq.requests.length, 1, 'Temporal owns retries');
  });

  it('retries Groq server errors and timeouts', async () => {
    groq.failures.push(groqFailures.unavailable());
    await assert.rejects(writer().writeAdScript(BRIEF), isProviderError('GROQ_503', true));
    groq.failures.push(groqFailures.hang());
    await assert.rejects(writer({ timeoutMs: 300 }).writeAdScript(BRIEF), isProviderError('GROQ_TIMEOUT', true));
  });

  it('fails fast on a key Groq refuses', async () => {
    await assert.rejects(
      writer({ apiKey: 'gsk_revoked' }).writeAdScript(BRIEF),
      isProviderError('GROQ_401', false, (error) => assert.match(error.message, /invalid_api_key/)),
    );
  });

  it('lets a caller’s cancellation through as cancellation', async () => {
    groq.failures.push(groqFailures.hang());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(writer().writeAdScript(BRIEF, controller.signal), (error: unknown) => !(error instanceof ProviderError));
  });
});

describe('Groq text writer: scene plans', () => {
  const REQUEST: ScenePlanRequest = {
    conceptPrompt: 'Robot exploring Austin, Texas',
    numScenes: 3,
    template: 'Scene {sequence} of {count} of a music video about {concept}. One continuous shot.',
    parameters: { scene_duration: 8 },
  };
  const scenes = (...sequences: number[]) => JSON.stringify({ scenes: sequences.map((sequence) => ({ sequence, prompt: `Scene ${sequence}: a silver robot walks down South Congress at dusk, tracking shot` })) });

  it('asks for exactly the scenes requested, following the flavor’s template, each as long as the flavor says', async () => {
    groq.answers.push(scenes(1, 2, 3));
    const result = await writer().planScenes(REQUEST);
    assert.deepEqual(
      result.value.scenes.map(({ sequence, duration }) => [sequence, duration]),
      [[1, 8], [2, 8], [3, 8]],
    );
    assert.match(result.value.scenes[2]!.prompt, /^Scene 3: a silver robot/);
    const { body } = groq.requests[0]!;
    assert.equal(body.response_format?.json_schema?.name, 'scene_plan');
    assert.match(String(body.messages[0]?.content), /Scene \{sequence\} of 3 of a music video about Robot exploring Austin, Texas/);
    assert.match(String(body.messages[0]?.content), /8-second shot/);
  });

  it('feeds back a wrong number of scenes or numbering', async () => {
    groq.answers.push(scenes(1, 2), scenes(1, 3, 2), scenes(1, 2, 3));
    const result = await writer().planScenes(REQUEST);
    assert.equal(result.value.scenes.length, 3);
    assert.match(lastUserMessage(1), /scenes: Too small: expected array to have exactly 3 items/);
    assert.match(lastUserMessage(2), /scenes\[1\]\.sequence: is 3; scenes are numbered 1 to 3 in order/);
    assert.deepEqual(result.usage, usageOf(scenes(1, 2), scenes(1, 3, 2), scenes(1, 2, 3)));
  });
});
