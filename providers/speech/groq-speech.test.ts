import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { probe } from '../../lib/media/ffmpeg.js';
import { GROQ_FAKE_KEY, groqFailures } from '../../test/fakes/groq.js';
import {
  GROQ_SPEECH_FAKE_MODEL,
  GROQ_SPEECH_FAKE_VOICE,
  GROQ_SPEECH_INPUT_LIMIT,
  SECONDS_PER_CHARACTER,
  speechFailures,
  startGroqSpeechFake,
  type GroqSpeechFake,
} from '../../test/fakes/groq-speech.js';
import { isProviderError } from '../../test/support/provider-errors.js';
import { createGroqSpeechSynthesizer, GROQ_SPEECH_MAX_INPUT, type GroqSpeechOptions } from './groq-speech.js';
import { createSpeechSynthesizer } from './index.js';
import { splitForSpeech } from './text-chunks.js';

const SHORT_AD = 'Meet the Aurora bottle. Hot coffee for twelve hours. Order yours today!';
const LONG_AD =
  'Meet the Aurora bottle, the last bottle you will ever need to buy. It keeps your morning coffee hot for twelve full hours, ' +
  'and your water ice cold through the longest summer afternoon. Every bottle is built from recycled stainless steel, ' +
  'with a lid that never leaks in your bag. Slim enough for a cup holder, tough enough for a mountain trail, and quiet on your desk. ' +
  'Thousands of hikers, commuters and students already carry one. Order yours today and taste the difference from the very first sip!';

/** AAC frames and encoder priming: the encoded voice-over may differ from its WAVs by a few tens of ms. */
const AAC_SLACK_SECONDS = 0.1;

let groq: GroqSpeechFake;
let dir: string;
before(async () => {
  groq = await startGroqSpeechFake();
  dir = await mkdtemp(join(tmpdir(), 'reelflow-groq-speech-'));
});
after(async () => {
  await groq.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  groq.requests.length = 0;
  groq.failures.length = 0;
});

const synthesizer = (overrides: Partial<GroqSpeechOptions> = {}) =>
  createGroqSpeechSynthesizer({ apiKey: GROQ_FAKE_KEY, baseURL: groq.url, model: GROQ_SPEECH_FAKE_MODEL, voice: GROQ_SPEECH_FAKE_VOICE, timeoutMs: 5000, ...overrides });

describe('Groq speech synthesizer', () => {
  it('asks Groq for WAV speech with the configured model and voice, and writes it as AAC in an .m4a', async () => {
    const outputPath = join(dir, 'short.m4a');
    const result = await synthesizer().synthesize({ text: SHORT_AD, outputPath });
    assert.equal(groq.requests.length, 1);
    assert.equal(groq.requests[0]!.authorization, `Bearer ${GROQ_FAKE_KEY}`);
    assert.deepEqual(groq.requests[0]!.body, { model: GROQ_SPEECH_FAKE_MODEL, voice: GROQ_SPEECH_FAKE_VOICE, input: SHORT_AD, response_format: 'wav' });
    const media = await probe(outputPath);
    assert.equal(media.audioStreams, 1);
    assert.equal(media.videoStreams, 0);
    assert.equal(media.audio?.codec, 'aac');
    const spoken = SHORT_AD.length * SECONDS_PER_CHARACTER;
    assert.ok(Math.abs(media.durationSeconds - spoken) < AAC_SLACK_SECONDS, `${media.durationSeconds} s for ${spoken} s of speech`);
    assert.deepEqual(result, { model: GROQ_SPEECH_FAKE_MODEL, voice: GROQ_SPEECH_FAKE_VOICE, durationSeconds: media.durationSeconds, characters: SHORT_AD.length });
  });

  it('asks for the request’s voice instead of the configured one', async () => {
    const result = await synthesizer().synthesize({ text: SHORT_AD, outputPath: join(dir, 'daniel.m4a'), voice: 'daniel' });
    assert.equal(groq.requests[0]!.body.voice, 'daniel');
    assert.equal(result.voice, 'daniel');
  });

  it('sends a voice-over longer than Groq’s 200-character input as several sentence-sized requests, in order, as one track', async () => {
    assert.equal(GROQ_SPEECH_MAX_INPUT, GROQ_SPEECH_INPUT_LIMIT);
    const outputPath = join(dir, 'long.m4a');
    const result = await synthesizer().synthesize({ text: LONG_AD, outputPath });
    const inputs = groq.requests.map((request) => String(request.body.input));
    assert.ok(inputs.length >= 3, `${inputs.length} requests`);
    for (const input of inputs) {
      assert.ok(input.length <= GROQ_SPEECH_MAX_INPUT, `${input.length} characters: ${input}`);
      assert.match(input, /[.!?]$/, 'each request ends a sentence');
    }
    assert.equal(inputs.join(' '), LONG_AD);
    const characters = inputs.reduce((sum, input) => sum + input.length, 0);
    assert.equal(result.characters, characters);
    const spoken = characters * SECONDS_PER_CHARACTER;
    const media = await probe(outputPath);
    assert.equal(media.audioStreams, 1);
    assert.ok(Math.abs(media.durationSeconds - spoken) < AAC_SLACK_SECONDS * inputs.length, `${media.durationSeconds} s for ${spoken} s of speech`);
  });

  it('turns a 429 into a retryable GROQ_429 with Groq’s retry-after, leaving no file even when earlier chunks were spoken', async () => {
    const outputDir = await mkdtemp(join(dir, 'limited-'));
    groq.failures.push(groqFailures.rateLimited(7));
    await assert.rejects(
      synthesizer().synthesize({ text: SHORT_AD, outputPath: join(outputDir, 'voice.m4a') }),
      isProviderError('GROQ_429', true, (error) => {
        assert.equal(error.retryAfterMs, 7000);
        assert.match(error.message, /rate_limit_exceeded/);
      }),
    );

    groq.requests.length = 0;
    groq.failures.push('speak', groqFailures.rateLimited(3));
    await assert.rejects(
      synthesizer().synthesize({ text: LONG_AD, outputPath: join(outputDir, 'voice.m4a') }),
      isProviderError('GROQ_429', true, (error) => assert.equal(error.retryAfterMs, 3000)),
    );
    assert.equal(groq.requests.length, 2, 'no request after the limited one');
    assert.deepEqual(await readdir(outputDir), []);
  });

  it('treats a wrong API key (401) and unaccepted model terms (400) as failures no retry can fix', async () => {
    const outputDir = await mkdtemp(join(dir, 'refused-'));
    await assert.rejects(
      synthesizer({ apiKey: 'gsk_wrong' }).synthesize({ text: SHORT_AD, outputPath: join(outputDir, 'key.m4a') }),
      isProviderError('GROQ_401', false, (error) => assert.match(error.message, /invalid_api_key/)),
    );
    groq.failures.push(speechFailures.modelTermsRequired());
    await assert.rejects(
      synthesizer().synthesize({ text: SHORT_AD, outputPath: join(outputDir, 'terms.m4a') }),
      isProviderError('GROQ_400', false, (error) => assert.match(error.message, /model_terms_required.*accept the terms/)),
    );
    assert.deepEqual(await readdir(outputDir), []);
  });

  it('retries Groq’s 5xx, a request that does not answer in time and an answer that is not audio', async () => {
    groq.failures.push(groqFailures.unavailable());
    await assert.rejects(synthesizer().synthesize({ text: SHORT_AD, outputPath: join(dir, 'down.m4a') }), isProviderError('GROQ_503', true));
    groq.failures.push(groqFailures.hang());
    await assert.rejects(synthesizer({ timeoutMs: 300 }).synthesize({ text: SHORT_AD, outputPath: join(dir, 'slow.m4a') }), isProviderError('GROQ_TIMEOUT', true));
    groq.failures.push({ status: 200, body: { error: 'not audio' } });
    await assert.rejects(synthesizer().synthesize({ text: SHORT_AD, outputPath: join(dir, 'garbled.m4a') }), isProviderError('GROQ_UNREADABLE_AUDIO', true));
  });

  it('stops at once when the job is cancelled mid-request, with the cancellation and no file', async () => {
    const outputDir = await mkdtemp(join(dir, 'cancelled-'));
    groq.failures.push(groqFailures.hang());
    const controller = new AbortController();
    const pending = synthesizer().synthesize({ text: SHORT_AD, outputPath: join(outputDir, 'voice.m4a') }, controller.signal);
    setTimeout(() => controller.abort(new Error('job cancelled')), 100);
    await assert.rejects(pending, /job cancelled/);
    assert.deepEqual(await readdir(outputDir), []);
  });

  it('is what TTS_PROVIDER names', () => {
    const common = { GROQ_BASE_URL: groq.url, GROQ_TTS_MODEL: GROQ_SPEECH_FAKE_MODEL, GROQ_TTS_VOICE: GROQ_SPEECH_FAKE_VOICE, ESPEAK_PATH: undefined };
    assert.equal(createSpeechSynthesizer({ ...common, TTS_PROVIDER: 'groq', GROQ_API_KEY: GROQ_FAKE_KEY }).name, 'groq');
    assert.equal(createSpeechSynthesizer({ ...common, TTS_PROVIDER: 'local', GROQ_API_KEY: undefined }).name, 'local');
    assert.throws(() => createSpeechSynthesizer({ ...common, TTS_PROVIDER: 'groq', GROQ_API_KEY: undefined }), /GROQ_API_KEY/);
  });
});

describe('splitting a voice-over for speech requests', () => {
  it('packs whole sentences, breaks a long one at a comma before a space, and cuts only what has no space', () => {
    assert.deepEqual(splitForSpeech('One two. Three four! Five?', 20), ['One two. Three four!', 'Five?']);
    assert.deepEqual(splitForSpeech('Alpha beta gamma, delta epsilon zeta, eta theta.', 20), ['Alpha beta gamma,', 'delta epsilon zeta,', 'eta theta.']);
    assert.deepEqual(splitForSpeech('Short words only here', 10), ['Short', 'words only', 'here']);
    assert.deepEqual(splitForSpeech('https://example.com/abcdefghij', 12), ['https://exam', 'ple.com/abcd', 'efghij']);
  });
});
