import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clockwiseRotation, displayedSize, pixelAspect } from './display.js';

describe('display geometry', () => {
  const clip = (rotation: number, aspect = 1, width = 1920, height = 1080) => ({ width, height, rotation, pixelAspect: aspect });

  it('reads the display matrix (counterclockwise) before the rotate tag (clockwise), to quarter turns', () => {
    assert.equal(clockwiseRotation(90, undefined), 270);
    assert.equal(clockwiseRotation(-90, 180), 90, 'the matrix wins over the tag');
    assert.equal(clockwiseRotation(-180, undefined), 180);
    assert.equal(clockwiseRotation(undefined, 90), 90);
    assert.equal(clockwiseRotation(undefined, undefined), 0);
    assert.equal(clockwiseRotation(-91.2, undefined), 90);
  });

  it('counts missing, square and unusable pixel shapes as square', () => {
    assert.equal(pixelAspect('4:3'), 4 / 3);
    for (const ratio of [undefined, '1:1', '0:1', 'N/A', '1:0', '-4:3']) assert.equal(pixelAspect(ratio), 1, String(ratio));
  });

  it('shows the displayed size: non-square pixels stretched, then quarter turns swapping the sides', () => {
    assert.deepEqual(displayedSize(clip(0)), { width: 1920, height: 1080 });
    assert.deepEqual(displayedSize(clip(90)), { width: 1080, height: 1920 });
    assert.deepEqual(displayedSize(clip(180)), { width: 1920, height: 1080 });
    assert.deepEqual(displayedSize(clip(0, 4 / 3, 720, 576)), { width: 960, height: 576 });
    assert.deepEqual(displayedSize(clip(270, 4 / 3, 720, 576)), { width: 576, height: 960 });
  });
});
