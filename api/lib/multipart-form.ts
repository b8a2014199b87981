import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { PHOTO_MAX_BYTES, PhotoIntakeError } from '../../lib/media/image-intake.js';
import { ApiError } from './errors.js';

/** Room for the multipart framing and the small fields around the largest file. */
export const FORM_OVERHEAD_BYTES = 64 * 1024;

/**
 * What a form may hold, enforced as it streams: files up to the photo limit (the largest file any
 * form takes; smaller limits, such as a transcript's, are the route's), text fields up to the
 * framing allowance, and few parts (the forms have at most six).
 */
export const FORM_LIMITS = { fileBytes: PHOTO_MAX_BYTES, fieldBytes: FORM_OVERHEAD_BYTES, parts: 64, files: 8, fields: 32, headerPairs: 32 };

/** The 413 of a body over `limit` bytes, in the words the API has always used. */
export const bodyTooLarge = (limit: number) => new ApiError(413, 'PayloadTooLarge', `Request body exceeds ${Math.floor(limit / 1024)} KB`);

const malformed = (reason: string) =>
  new ApiError(400, 'ValidationError', `Malformed FormData: ${reason}. Send multipart/form-data with CRLF line breaks and one part per field.`, { code: 'MALFORMED_MULTIPART' });

const sentTwice = (field: string) =>
  new ApiError(400, 'ValidationError', `${field} was sent twice; send each field once`, [{ field, message: 'was sent twice' }]);

/** The photo keeps the intake's own code; any other file part (a transcript) is named as itself. */
const fileTooLarge = (field: string) =>
  field === 'photo'
    ? new ApiError(413, 'PayloadTooLarge', new PhotoIntakeError('PHOTO_TOO_LARGE').message, { code: 'PHOTO_TOO_LARGE' })
    : new ApiError(413, 'PayloadTooLarge', `${field} is larger than ${FORM_LIMITS.fileBytes / (1024 * 1024)} MB`, { code: 'FILE_TOO_LARGE' });

/**
 * Reads a multipart/form-data body into a FormData (text fields as strings, file parts as Files),
 * with busboy: parameters per RFC 7578 and 6266 (quoted or bare, backslash escapes, `filename*`
 * in RFC 5987 form, raw UTF-8 as browsers send it), a preamble and an epilogue skipped. Every
 * limit acts while the body streams: past `maxBodyBytes` in all, or a file past FORM_LIMITS, it
 * stops reading at once. Rejects with an ApiError: 400 MALFORMED_MULTIPART (no boundary, a body
 * that ends early or is not multipart), 400 for a field sent twice (names ending in `[]` may
 * repeat), 413 for a size or count over its limit, 400 when the client stops sending midway.
 * Either way `body` is left paused where reading stopped, for the caller to drain.
 */
export function readMultipartForm(body: Readable, contentType: string, maxBodyBytes: number): Promise<FormData> {
  let parser: busboy.Busboy;
  try {
    const { fileBytes: fileSize, fieldBytes: fieldSize, ...counts } = FORM_LIMITS;
    // defParamCharset: browsers send file names as raw UTF-8, which busboy would read as Latin-1.
    parser = busboy({ headers: { 'content-type': contentType }, defParamCharset: 'utf8', limits: { fileSize, fieldSize, ...counts } });
  } catch (error) {
    return Promise.reject(malformed(error instanceof Error ? error.message : 'no boundary'));
  }

  return new Promise<FormData>((resolve, reject) => {
    const form = new FormData();
    const seen = new Set<string>();
    let settled = false;
    let bodyBytes = 0;

    const countBody = (chunk: Buffer) => {
      bodyBytes += chunk.length;
      if (bodyBytes > maxBodyBytes) fail(bodyTooLarge(maxBodyBytes));
    };
    // In this order: unpiping resumes a body that still has a 'data' listener.
    const stopReading = () => {
      body.off('data', countBody);
      body.unpipe(parser);
      body.pause();
    };
    function fail(refusal: ApiError) {
      if (settled) return;
      settled = true;
      stopReading();
      // Not within busboy's own event: it still touches the part it just reported on.
      process.nextTick(() => parser.destroy());
      reject(refusal);
    }
    const firstTime = (field: string) => {
      if (field.endsWith('[]') || !seen.has(field)) return seen.add(field), true;
      fail(sentTwice(field));
      return false;
    };

    parser.on('field', (field, value, info) => {
      if (!firstTime(field)) return;
      if (info.nameTruncated) return fail(malformed('a field name is longer than 100 bytes'));
      if (info.valueTruncated) return fail(new ApiError(413, 'PayloadTooLarge', `${field} is longer than ${FORM_LIMITS.fieldBytes / 1024} KB`));
      form.append(field, value);
    });
    parser.on('file', (field, file, info) => {
      // A body that ends inside the part fails the file stream too; the parser's error reports it.
      file.on('error', () => undefined);
      if (!firstTime(field)) return void file.resume();
      const chunks: Buffer[] = [];
      file.on('data', (chunk: Buffer) => chunks.push(chunk));
      file.once('limit', () => fail(fileTooLarge(field)));
      file.once('end', () => {
        if (!file.truncated) form.append(field, new File(chunks, info.filename ?? '', { type: info.mimeType }));
      });
    });
    const tooMany = (what: string, limit: number) => () => fail(new ApiError(413, 'PayloadTooLarge', `The form has more than ${limit} ${what}`));
    parser.on('partsLimit', tooMany('parts', FORM_LIMITS.parts));
    parser.on('filesLimit', tooMany('files', FORM_LIMITS.files));
    parser.on('fieldsLimit', tooMany('fields', FORM_LIMITS.fields));
    parser.on('error', (error: Error) => fail(malformed(error.message.replace(/\.$/, '').toLowerCase())));
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      stopReading();
      resolve(form);
    });

    body
      .on('data', countBody)
      // Stays after reading stops: a client leaving during the drain is no crash.
      .on('error', () => fail(malformed('the client stopped sending midway')))
      .pipe(parser);
  });
}
