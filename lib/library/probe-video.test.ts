import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DetailedProbe } from '../media/ffmpeg.js';
import { libraryMetadata } from './probe-video.js';

describe('libraryMetadata', () => {
  const probed = (changes: Partial<NonNullable<DetailedProbe['presentation']>> = {}, geometry: Partial<NonNullable<DetailedProbe['video']>> = {}): DetailedProbe => ({
    bytes: 1,
    durationSeconds: 3,
    video: {
      codec: 'h264', profile: 'High', width: 1920, height: 1080, pixelFormat: 'yuv420p', frameRate: '30/1', timeBase: '1/15360', durationSeconds: 3, extradataHash: '',
      rotation: 0, pixelAspect: 1, displayWidth: 1920, displayHeight: 1080, ...geometry,
    },
    audio: undefined,
    videoStreams: 1,
    audioStreams: 0,
    presentation: { avgFrameRate: '630/29', attachedPicture: false, ...changes },
    bitRate: 4_600_000.4,
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  });

  it('shows the displayed size and the turn (lib/media/display.test.ts covers how they are worked out)', () => {
    assert.equal(libraryMetadata(probed()).resolution, '1920x1080');
    const turned = libraryMetadata(probed({}, { rotation: 270, displayWidth: 1080, displayHeight: 1920 }));
    assert.deepEqual([turned.resolution, turned.width, turned.height, turned.rotation], ['1080x1920', 1080, 1920, 270]);
  });

  it('averages a variable frame rate, falling back to the nominal one; rounds the bitrate; no audio', () => {
    const metadata = libraryMetadata(probed());
    assert.equal(metadata.fps, 21.72);
    assert.equal(libraryMetadata(probed({ avgFrameRate: '0/0' })).fps, 30);
    assert.equal(metadata.bitrate, 4_600_000);
    assert.deepEqual([metadata.has_audio, metadata.audio_codec], [false, null]);
  });

  it('refuses cover art and a file without video as NO_VIDEO_STREAM', () => {
    assert.throws(() => libraryMetadata(probed({ attachedPicture: true })), { code: 'NO_VIDEO_STREAM' });
    assert.throws(() => libraryMetadata({ ...probed(), video: undefined, presentation: undefined }), { code: 'NO_VIDEO_STREAM' });
  });
});
