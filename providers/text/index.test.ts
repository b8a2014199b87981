import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTextWriter } from './index.js';

describe('createTextWriter', () => {
  it('gives the writer LLM_PROVIDER names', () => {
    const base = { GROQ_BASE_URL: undefined, GROQ_TEXT_MODEL: 'openai/gpt-oss-20b' };
    assert.equal(createTextWriter({ ...base, LLM_PROVIDER: 'local', GROQ_API_KEY: 'gsk_unused' }).name, 'local');
    assert.equal(createTextWriter({ ...base, LLM_PROVIDER: 'groq', GROQ_API_KEY: 'gsk_test_key' }).name, 'groq');
    assert.throws(() => createTextWriter({ ...base, LLM_PROVIDER: 'groq', GROQ_API_KEY: undefined }), /GROQ_API_KEY/);
  });
});
