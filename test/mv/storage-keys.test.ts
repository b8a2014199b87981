import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidStorageKeyError, isValidStorageKey, storageKey, type KeyScope } from '../../providers/storage/keys.js';

describe('MV storage keys', () => {
  it('puts character references under mv/outputs/character_reference/ and scene clips under their project', () => {
    const image = storageKey({ mvOutputs: 'character_reference' }, 'character', 'jpg');
    assert.match(image, /^mv\/outputs\/character_reference\/character-[0-9a-f-]{36}\.jpg$/);
    assert.equal(storageKey({ mvScenes: 'proj123' }, 'scene', 'mp4', 'job-1'), 'mv/projects/proj123/scenes/scene-job-1.mp4');
    for (const key of [image, storageKey({ mvScenes: 'proj123' }, 'scene', 'mp4')]) assert.ok(isValidStorageKey(key), key);
  });

  it('refuses a project or an output folder that could leave its place', () => {
    for (const project of ['', '..', 'a/b', 'proj 1', 'x'.repeat(129)]) {
      assert.throws(() => storageKey({ mvScenes: project }, 'scene', 'mp4'), InvalidStorageKeyError, JSON.stringify(project));
    }
    // A cast gets any string past the type; the run-time check still holds.
    assert.throws(() => storageKey({ mvOutputs: '../jobs' } as unknown as KeyScope, 'character', 'jpg'), InvalidStorageKeyError);
  });
});
