import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DetailedProbe } from '../media/ffmpeg.js';
import { libraryMetadata } from './probe-video.js';

describe('libraryMetadata', () => {
  const probed = (changes: Partial<NonNullable<DetailedProbe['presentation']>> = {}, width = 1920, height = 1080): DetailedProbe => ({
    bytes: 1,
    durationSeconds: 3,
    video: { codec: 'h264', profile: 'High', width, height, pixelFormat: 'yuv420p', frameRate: '30/1', timeBase: '1/15360', durationSeconds: 3, extradataHash: '' },
    audio: undefined,
    videoStreams: 1,
    audioStreams: 0,
    presentation: { avgFrameRate: '630/29', sampleAspectRatio: '1:1', rotation: 0, attachedPicture: false, ...changes },
    bitRate: 4_600_000.4,
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  });

  it('shows the displayed size: non-square pixels stretched, then quarter turns swapping the sides', () => {
    assert.equal(libraryMetadata(probed()).resolution, '1920x1080');
    assert.equal(libraryMetadata(probed({ rotation: 90 })).resolution, '1080x1920');
    assert.equal(libraryMetadata(probed({ rotation: 180 })).resolution, '1920x1080');
    assert.equal(libraryMetadata(probed({ sampleAspectRatio: '4:3' }, 720, 576)).resolution, '960x576');
    assert.equal(libraryMetadata(probed({ sampleAspectRatio: '4:3', rotation: 270 }, 720, 576)).resolution, '576x960');
    assert.equal(libraryMetadata(probed({ sampleAspectRatio: '0:1' }, 720, 576)).resolution, '720x576', 'an unknown ratio counts as square');
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
