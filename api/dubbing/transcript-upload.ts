import { ApiError } from '../lib/errors.js';
import { CONTROL_CHARACTERS } from '../lib/fields.js';

/** The largest transcript file accepted, bytes (100 KB). */
export const TRANSCRIPT_UPLOAD_MAX_BYTES = 100 * 1024;

/** Charsets a text/plain body may declare: UTF-8 and its ASCII subset. */
const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);

/**
 * A raw text/plain body's declared charset must be UTF-8 (or none): 415 otherwise, since its bytes
 * would be read wrongly.
 */
export function assertUtf8ContentType(contentType: string): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)?.[1]?.toLowerCase();
  if (charset !== undefined && !UTF8_CHARSETS.has(charset)) {
    throw new ApiError(415, 'UnsupportedMediaType', `The transcript must be UTF-8 text; the body declares charset=${charset}.`);
  }
}

/**
 * An uploaded transcript's text from its bytes: 413 over TRANSCRIPT_UPLOAD_MAX_BYTES; 422 when the
 * bytes are not UTF-8 (a strict decoder; a leading byte-order mark is dropped); 400 when it holds a
 * NUL or another control character (tabs and line breaks are fine) or nothing but whitespace.
 * Returns the text trimmed.
 */
export function transcriptFromBytes(bytes: Uint8Array): string {
  if (bytes.byteLength > TRANSCRIPT_UPLOAD_MAX_BYTES) {
    throw new ApiError(413, 'PayloadTooLarge', `The transcript is ${bytes.byteLength} bytes; at most ${TRANSCRIPT_UPLOAD_MAX_BYTES} (100 KB) are accepted.`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError(422, 'UnprocessableEntity', 'The transcript is not valid UTF-8 text; save it as UTF-8 and upload it again.', { code: 'TRANSCRIPT_NOT_UTF8' });
  }
  if (text.includes('\u0000')) throw new ApiError(400, 'ValidationError', 'The transcript contains a NUL character, which no text holds.', { code: 'TRANSCRIPT_NUL' });
  if (CONTROL_CHARACTERS.test(text)) {
    throw new ApiError(400, 'ValidationError', 'The transcript contains control characters; only text, tabs and line breaks are accepted.', { code: 'TRANSCRIPT_CONTROL_CHARACTERS' });
  }
  const trimmed = text.trim();
  if (!trimmed) throw new ApiError(400, 'ValidationError', 'The transcript is empty: there is nothing to say.', { code: 'TRANSCRIPT_EMPTY' });
  return trimmed;
}
