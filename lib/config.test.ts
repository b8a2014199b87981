import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from './config.js';

describe('config', () => {
  it('gives local development defaults', () => {
    const config = loadConfig({});
    assert.equal(config.PORT, 8000);
    assert.equal(config.DATABASE_URL, 'postgres://postgres@127.0.0.1:5432/reelflow');
    assert.equal(config.TEMPORAL_ADDRESS, '127.0.0.1:7233');
    assert.equal(config.TEMPORAL_UI_PORT, 8233);
    assert.equal(config.PUBLIC_BASE_URL, 'http://localhost:8000');
    assert.equal(config.PHOTO_VALIDATOR, 'local');
    assert.equal(config.PHONE_ENCRYPTION_KEY.length, 32);
  });

  it('stops on a wrong value with one line naming the variable and the reason', () => {
    assert.throws(
      () => loadConfig({ PORT: 'abc' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.doesNotMatch(error.message, /\n/);
        assert.match(error.message, /PORT must be a port number \(got "abc"\)/);
        return true;
      },
    );
    assert.throws(() => loadConfig({ PORT: '70000' }), /PORT must be between 1 and 65535/);
    assert.throws(() => loadConfig({ TEMPORAL_ADDRESS: 'localhost' }), /TEMPORAL_ADDRESS must be host:port/);
    assert.throws(() => loadConfig({ S3_FORCE_PATH_STYLE: 'yes' }), /S3_FORCE_PATH_STYLE must be true or false/);
  });

  it('never echoes a secret value in its message', () => {
    assert.throws(
      () => loadConfig({ PHONE_ENCRYPTION_KEY: 'too-short-secret' }),
      (error: unknown) => error instanceof ConfigError && /PHONE_ENCRYPTION_KEY must be 32 bytes/.test(error.message) && !error.message.includes('too-short-secret'),
    );
  });

  it('has no secret defaults in production', () => {
    assert.throws(
      () => loadConfig({ NODE_ENV: 'production', SMS_PROVIDER: 'webhook', SMS_WEBHOOK_URL: 'https://sms.example/send', SMS_WEBHOOK_SECRET: 's' }),
      /ADMIN_TOKEN is required when NODE_ENV=production; PHONE_ENCRYPTION_KEY is required/,
    );
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /SMS_PROVIDER must not be console when NODE_ENV=production/);
  });

  it('asks for what a chosen provider needs', () => {
    assert.throws(() => loadConfig({ WHATSAPP_PROVIDER: 'cloud' }), /WHATSAPP_PHONE_NUMBER_ID is required when WHATSAPP_PROVIDER=cloud/);
    assert.throws(() => loadConfig({ PHOTO_VALIDATOR: 'groq' }), /GROQ_API_KEY is required when PHOTO_VALIDATOR=groq/);
    assert.equal(loadConfig({ GROQ_API_KEY: 'gsk_test' }).PHOTO_VALIDATOR, 'groq');
    assert.equal(loadConfig({ GROQ_API_KEY: 'gsk_test', PHOTO_VALIDATOR: 'local' }).PHOTO_VALIDATOR, 'local');
  });

  it('polls every queue by default, with the providers documented rates', () => {
    const config = loadConfig({});
    assert.deepEqual(config.WORKER_TASK_QUEUES, ['main', 'groq', 'whatsapp', 'sms', 'predictions', 'feed-generation']);
    assert.deepEqual(
      [config.GROQ_MAX_RPS, config.WHATSAPP_MAX_MPS, config.SMS_MAX_RPS, config.PREDICTIONS_MAX_RPS, config.PREDICTIONS_MAX_CONCURRENT],
      [10, 80, 10, 10, 10],
    );
  });

  it('takes a list of queues for WORKER_TASK_QUEUES and refuses an unknown name at start', () => {
    assert.deepEqual(loadConfig({ WORKER_TASK_QUEUES: ' predictions, groq ,predictions' }).WORKER_TASK_QUEUES, ['predictions', 'groq']);
    assert.throws(
      () => loadConfig({ WORKER_TASK_QUEUES: 'main,replicate' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(
          error.message,
          'Invalid configuration: WORKER_TASK_QUEUES must list queues among main, groq, whatsapp, sms, predictions, feed-generation (unknown: replicate) (got "main,replicate")',
        );
        return true;
      },
    );
    assert.throws(() => loadConfig({ WORKER_TASK_QUEUES: ' , ' }), /WORKER_TASK_QUEUES must list queues among .* \(none given\)/);
  });

  it('takes fractional provider rates, 0 for no limit, and refuses negative ones', () => {
    const config = loadConfig({ GROQ_MAX_RPS: '0.5', WHATSAPP_MAX_MPS: '0' });
    assert.deepEqual([config.GROQ_MAX_RPS, config.WHATSAPP_MAX_MPS], [0.5, 0]);
    assert.throws(() => loadConfig({ SMS_MAX_RPS: '-1' }), /SMS_MAX_RPS must be 0 or more/);
    assert.throws(() => loadConfig({ PREDICTIONS_MAX_CONCURRENT: '0' }), /PREDICTIONS_MAX_CONCURRENT must be positive/);
  });

  it('treats empty values as unset', () => {
    assert.equal(loadConfig({ PORT: '' }).PORT, 8000);
  });

  it('is documented variable by variable in .env.example', async () => {
    const example = await readFile(new URL('../.env.example', import.meta.url), 'utf8');
    const documented = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]);
    assert.deepEqual([...new Set(documented)].sort(), [...CONFIG_VARIABLES].sort());
  });
});
