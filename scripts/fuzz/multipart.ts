import fc from 'fast-check';
import { hostileString } from './hostile-values.js';

/**
 * Mutated multipart/form-data bodies, written byte by byte: a plausible form (the route's fields,
 * binary garbage as the file) bent by one to three mutations of boundary, part headers, parts and size.
 */

export const MULTIPART_MUTATIONS = [
  'boundary-mismatch', 'no-boundary', 'quoted-boundary', 'long-boundary', 'no-final-boundary', 'lf-only', 'missing-disposition',
  'filename-star', 'unquoted-name', 'escaped-quotes', 'huge-part-header', 'duplicate-part', 'huge-field', 'truncated', 'empty',
  'preamble-garbage', 'nested-multipart', 'part-content-length',
] as const;
export type MultipartMutation = (typeof MULTIPART_MUTATIONS)[number];

const FILE_FIELDS = new Set(['photo', 'file', 'video', 'image', 'transcript', 'audio']);
const PLAUSIBLE: Record<string, string> = {
  mobile_number: '9876543210', gender: 'male', attribute_love: 'Smile', relationship_status: 'Dating', vibe: 'Romance',
  title: 'clip', language: 'en', prompt: 'a cat', transcript: 'hello there',
};

export interface MultipartSpec {
  fields: { name: string; value: string }[];
  file: { name: string; bytes: Uint8Array };
  mutations: MultipartMutation[];
  /** Where 'truncated' cuts, as a fraction of the body. */
  cut: number;
  hugeFieldBytes: number;
}

/** A multipart spec for a route with these form fields (a made-up form when it declares none). */
export function multipartSpec(formFields: string[]): fc.Arbitrary<MultipartSpec> {
  const names = formFields.length ? formFields : ['field', 'photo'];
  const valueFields = names.filter((name) => !FILE_FIELDS.has(name));
  const fileName = names.find((name) => FILE_FIELDS.has(name)) ?? 'photo';
  const value = (name: string) => fc.oneof({ weight: 2, arbitrary: fc.constant(PLAUSIBLE[name] ?? 'x') }, { weight: 1, arbitrary: hostileString });
  return fc.record({
    fields: valueFields.length ? fc.tuple(...valueFields.map((name) => value(name).map((v) => ({ name, value: v })))) : fc.constant([]),
    file: fc.record({
      name: fc.constant(fileName),
      bytes: fc.oneof(
        fc.uint8Array({ maxLength: 2048 }),
        fc.uint8Array({ maxLength: 512 }).map((rest) => Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, ...rest])),
        fc.uint8Array({ maxLength: 512 }).map((rest) => Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...rest])),
      ),
    }),
    mutations: fc.subarray([...MULTIPART_MUTATIONS], { minLength: 1, maxLength: 3 }),
    cut: fc.double({ min: 0, max: 1, noNaN: true }),
    hugeFieldBytes: fc.constantFrom(70_000, 1_100_000, 11 * 1024 * 1024),
  });
}

/** The Content-Type header and body bytes a spec describes. */
export function renderMultipart(spec: MultipartSpec): { contentType: string; body: Uint8Array } {
  const has = (mutation: MultipartMutation) => spec.mutations.includes(mutation);
  const boundary = has('long-boundary') ? 'b'.repeat(200) : 'fuzzBoundary7MA4YWxkTrZu0gW';
  const eol = has('lf-only') ? '\n' : '\r\n';
  const disposition = (name: string, filename?: string) => {
    if (has('missing-disposition')) return 'Content-Type: text/plain';
    const named = has('unquoted-name') ? `name=${name}` : `name="${name}"`;
    if (filename === undefined) return `Content-Disposition: form-data; ${named}`;
    if (has('filename-star')) return `Content-Disposition: form-data; ${named}; filename*=utf-8''%F0%9F%8E%AC%20selfie.jpg`;
    if (has('escaped-quotes')) return `Content-Disposition: form-data; ${named}; filename="my \\"best\\" selfie.jpg"`;
    return `Content-Disposition: form-data; ${named}; filename="${filename}"`;
  };

  const parts: Buffer[][] = [];
  for (const field of spec.fields) parts.push([Buffer.from(disposition(field.name) + eol + eol + field.value)]);
  const fileHeaders = [disposition(spec.file.name, 'selfie.jpg'), 'Content-Type: image/jpeg'];
  if (has('huge-part-header')) fileHeaders.push(`X-Padding: ${'p'.repeat(100_000)}`);
  if (has('part-content-length')) fileHeaders.push('Content-Length: 999999999');
  parts.push([Buffer.from(fileHeaders.join(eol) + eol + eol), Buffer.from(spec.file.bytes)]);
  if (has('duplicate-part')) parts.push(parts[parts.length - 1]!, ...(parts.length > 1 ? [parts[0]!] : []));
  if (has('huge-field')) parts.push([Buffer.from(disposition(spec.fields[0]?.name ?? 'huge') + eol + eol), Buffer.alloc(spec.hugeFieldBytes, 0x41)]);
  if (has('nested-multipart')) parts.push([Buffer.from(`${disposition('nested')}${eol}Content-Type: multipart/mixed; boundary=${boundary}${eol}${eol}--${boundary}${eol}${eol}x`)]);

  const chunks: Buffer[] = [];
  if (has('preamble-garbage')) chunks.push(Buffer.from(`garbage before the first boundary\u0000${eol}`));
  for (const part of parts) chunks.push(Buffer.from(`--${boundary}${eol}`), ...part, Buffer.from(eol));
  if (!has('no-final-boundary')) chunks.push(Buffer.from(`--${boundary}--${eol}`));
  let body = has('empty') ? Buffer.alloc(0) : Buffer.concat(chunks);
  if (has('truncated')) body = body.subarray(0, Math.floor(body.length * spec.cut));

  const declared = has('boundary-mismatch') ? 'someOtherBoundary' : boundary;
  const contentType = has('no-boundary')
    ? 'multipart/form-data'
    : has('quoted-boundary')
      ? `multipart/form-data; boundary="${declared}"`
      : `multipart/form-data; boundary=${declared}`;
  return { contentType, body };
}
