import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { probe } from '../../lib/media/ffmpeg.js';
import { isProviderError } from '../../test/support/provider-errors.js';
import { VOICES } from '../../workflows/dubbing/contract.js';
import { createLocalSpeechSynthesizer, ESPEAK_MODEL, ESPEAK_VARIANTS } from './local-speech.js';

const run = promisify(execFile);
const espeakPath = process.env.ESPEAK_PATH ?? 'espeak-ng';

const AD_30_WORDS =
  'Meet the Aurora bottle. It keeps your coffee hot for twelve hours and your water cold all day. ' +
  'Built from recycled steel, it fits every bag. Order yours online today.';
const AD_10_WORDS = 'Meet the Aurora bottle. Order yours today, and save.';

/** ffmpeg's volumedetect mean, in dB: about −91 for digital silence, −20 to −30 for speech. */
async function meanVolume(path: string): Promise<number> {
  const { stderr } = await run(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-hide_banner', '-i', path, '-af', 'volumedetect', '-f', 'null', '-']);
  const match = /mean_volume: (-?[\d.]+) dB/.exec(stderr);
  assert.ok(match, `volumedetect printed no mean: ${stderr.slice(-300)}`);
  return Number(match[1]);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelflow-local-speech-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('local speech synthesizer (espeak-ng)', () => {
  const synthesizer = createLocalSpeechSynthesizer({ espeakPath });

  it('speaks a 30-word ad as one AAC track in an .m4a, 5–20 s long and audibly not silent', async () => {
    assert.equal(AD_30_WORDS.split(' ').length, 30);
    const outputPath = join(dir, 'ad.m4a');
    const result = await synthesizer.synthesize({ text: AD_30_WORDS, outputPath });
    const media = await probe(outputPath);
    assert.equal(media.audioStreams, 1);
    assert.equal(media.videoStreams, 0);
    assert.equal(media.audio?.codec, 'aac');
    assert.ok(media.durationSeconds >= 5 && media.durationSeconds <= 20, `${media.durationSeconds} s`);
    assert.ok(Math.abs(result.durationSeconds - media.durationSeconds) < 0.01);
    assert.equal(result.model, ESPEAK_MODEL);
    assert.equal(result.voice, 'en-us');
    assert.equal(result.characters, AD_30_WORDS.length);
    const volume = await meanVolume(outputPath);
    assert.ok(volume > -50, `mean volume ${volume} dB`);
  });

  it('takes longer to say more, and does not read out Orpheus’s bracketed directions', async () => {
    const short = await synthesizer.synthesize({ text: AD_10_WORDS, outputPath: join(dir, 'short.m4a') });
    const long = await synthesizer.synthesize({ text: AD_30_WORDS, outputPath: join(dir, 'long.m4a') });
    assert.ok(long.durationSeconds > short.durationSeconds * 2, `${short.durationSeconds} s then ${long.durationSeconds} s`);
    const directed = await synthesizer.synthesize({ text: `[cheerful] ${AD_10_WORDS} [whisper]`, outputPath: join(dir, 'directed.m4a') });
    assert.ok(Math.abs(directed.durationSeconds - short.durationSeconds) < 0.1, `${directed.durationSeconds} s vs ${short.durationSeconds} s`);
  });

  it('kills espeak-ng when aborted and leaves no file', async () => {
    const pidFile = join(dir, 'espeak.pid');
    const wrapper = join(dir, 'espeak-wrapper.sh');
    await writeFile(wrapper, `#!/bin/sh\necho $$ > '${pidFile}'\nexec '${espeakPath}' "$@"\n`);
    await chmod(wrapper, 0o755);
    const outputDir = await mkdtemp(join(dir, 'aborted-'));
    const controller = new AbortController();
    // About 13 s of work for espeak-ng: it is surely still speaking when the abort comes.
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(2000);
    const pending = createLocalSpeechSynthesizer({ espeakPath: wrapper }).synthesize({ text, outputPath: join(outputDir, 'voice.m4a') }, controller.signal);
    let pid = 0;
    for (let attempt = 0; attempt < 100 && !pid; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    }
    assert.ok(pid > 0 && isRunning(pid), 'espeak-ng started');
    const started = performance.now();
    controller.abort(new Error('job cancelled'));
    await assert.rejects(pending, /job cancelled/);
    assert.ok(performance.now() - started < 3000, 'the abort did not wait for espeak-ng to finish');
    assert.equal(isRunning(pid), false, 'espeak-ng is gone');
    assert.deepEqual(await readdir(outputDir), []);
  });

  it('fails for good, saying how to fix it, when espeak-ng is not installed', async () => {
    const missing = createLocalSpeechSynthesizer({ espeakPath: join(dir, 'no-espeak-here') });
    const outputPath = join(dir, 'missing.m4a');
    await assert.rejects(
      missing.synthesize({ text: AD_10_WORDS, outputPath }),
      isProviderError('ESPEAK_MISSING', false, (error) => assert.match(error.message, /ESPEAK_PATH/)),
    );
  });

  it('speaks each dubbing voice with an espeak-ng variant of its own, and refuses a voice it does not know', async () => {
    assert.deepEqual(Object.keys(ESPEAK_VARIANTS).sort(), [...VOICES].sort());
    assert.equal(new Set(Object.values(ESPEAK_VARIANTS)).size, VOICES.length);
    const spoken = await synthesizer.synthesize({ text: AD_10_WORDS, outputPath: join(dir, 'troy.m4a'), voice: 'troy' });
    assert.equal(spoken.voice, ESPEAK_VARIANTS.troy);
    assert.ok((await meanVolume(join(dir, 'troy.m4a'))) > -50);
    for (const voice of ['nobody', 'constructor']) {
      await assert.rejects(synthesizer.synthesize({ text: AD_10_WORDS, outputPath: join(dir, `${voice}.m4a`), voice }), isProviderError('SPEECH_UNKNOWN_VOICE', false));
    }
  });

  it('refuses a text with nothing to say', async () => {
    await assert.rejects(synthesizer.synthesize({ text: ' [cheerful] \n ', outputPath: join(dir, 'empty.m4a') }), isProviderError('SPEECH_EMPTY_TEXT', false));
  });
});
