import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { SNIFF_BYTES, sniffVideoContainer, type VideoContainer } from './video-container.js';
import { VideoIntakeError, videoTooLarge } from './video-intake-error.js';

/**
 * The one pass over an uploaded file's bytes: it holds back the first bytes until they name the
 * container (`container` is set before anything is passed on), hashes (SHA-256) and counts
 * everything, and fails the stream with a VideoIntakeError as soon as the file is not a video we
 * take (UNSUPPORTED_VIDEO_TYPE), is empty (VIDEO_EMPTY) or grows past `maxBytes` (VIDEO_TOO_LARGE).
 */
export class VideoUploadMeter extends Transform {
  /** Bytes seen so far. */
  bytes = 0;
  /** Set once the first bytes are read, before the first chunk is passed on. */
  container: VideoContainer | undefined;
  /** Hex SHA-256 of the whole file, set when the stream ends. */
  sha256: string | undefined;
  private readonly hash = createHash('sha256');
  private held: Buffer[] = [];
  private heldBytes = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      callback(videoTooLarge(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    if (this.container) {
      callback(null, chunk);
      return;
    }
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    callback(this.heldBytes >= SNIFF_BYTES ? this.release() : null);
  }

  override _flush(callback: TransformCallback): void {
    if (this.bytes === 0) {
      callback(new VideoIntakeError('VIDEO_EMPTY'));
      return;
    }
    const refused = this.container ? undefined : this.release();
    if (refused) {
      callback(refused);
      return;
    }
    this.sha256 = this.hash.digest('hex');
    callback();
  }

  /** Decides the container from the held bytes and passes them on; the refusal when there is none. */
  private release(): VideoIntakeError | undefined {
    const head = Buffer.concat(this.held);
    const sniffed = sniffVideoContainer(head.subarray(0, SNIFF_BYTES));
    if (sniffed === 'unsupported' || sniffed === 'incomplete') return new VideoIntakeError('UNSUPPORTED_VIDEO_TYPE');
    this.container = sniffed;
    this.held = [];
    this.push(head);
    return undefined;
  }
}
