import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { S3Storage } from '../../providers/storage/s3.js';
import { SCRATCH_PREFIX } from '../../lib/scratch.js';
import type { GenerationClient, GenerationStack, Reply } from './generation-stack.js';

/** Driving POST /api/v1/upload/video and looking at what it left behind, on either storage backend. */

export const UPLOAD_PATH = '/api/v1/upload/video';

/** Posts `file` as the multipart field `file` (a sized body, as browsers send a FormData). */
export async function postVideo(stack: GenerationStack, client: GenerationClient, file: Blob, name: string): Promise<Reply> {
  const form = new FormData();
  form.append('file', file, name);
  const response = await fetch(`${stack.url}${UPLOAD_PATH}`, { method: 'POST', headers: { authorization: `Bearer ${client.token}` }, body: form });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

/** GETs a URL the API answered: S3's presigned URLs as they are, local media URLs on this stack's port. */
export function fetchMedia(stack: GenerationStack, url: string): Promise<Response> {
  if (stack.config.STORAGE_BACKEND === 's3') return fetch(url);
  const { pathname, search } = new URL(url);
  return fetch(`${stack.url}${pathname}${search}`);
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

/** Every stored object under `prefix` (temporary files of the local backend included), and S3's unfinished multipart uploads. */
export async function storedUnder(stack: GenerationStack, prefix: string): Promise<{ objects: string[]; multipartUploads: string[] }> {
  if (stack.config.STORAGE_BACKEND !== 's3') {
    const objects = await filesUnder(join(stack.config.MEDIA_ROOT, prefix));
    return { objects: objects.map((name) => `${prefix}${name}`), multipartUploads: [] };
  }
  const { client } = stack.providers.storage as S3Storage;
  const Bucket = stack.config.S3_BUCKET;
  const objects: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken }));
    objects.push(...(page.Contents ?? []).map((object) => object.Key!));
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  // MinIO lists multipart uploads by an exact key only, not by a folder prefix: list all, then filter.
  const multipartUploads: string[] = [];
  let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
  for (;;) {
    const page = await client.send(new ListMultipartUploadsCommand({ Bucket, ...markers }));
    for (const upload of page.Uploads ?? []) if (upload.Key?.startsWith(prefix)) multipartUploads.push(`${upload.Key} ${upload.UploadId}`);
    if (!page.IsTruncated) break;
    markers = { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker };
  }
  return { objects, multipartUploads };
}

/** A user's library folder, as the seed lays it out. */
export const userPrefix = (userId: string) => `uploads/users/${userId}/`;

/** Upload scratch folders still in this process's temp dir. */
export async function uploadScratchLeft(): Promise<string[]> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  return names.filter((name) => name.startsWith(`${SCRATCH_PREFIX}video-upload`));
}

/**
 * A multipart/form-data body streamed chunk by chunk (sent chunked, without Content-Length): the
 * field `file` holding `head` followed by zeros up to `fileBytes`, made as it is read.
 */
export function multipartStream(head: Uint8Array, fileBytes: number, name = 'big.mp4'): { contentType: string; body: ReadableStream<Uint8Array> } {
  const boundary = `----reelflow${Date.now().toString(16)}`;
  const encoder = new TextEncoder();
  const parts = [
    encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: video/mp4\r\n\r\n`),
    head,
  ];
  const zeros = new Uint8Array(256 * 1024);
  let padding = fileBytes - head.byteLength;
  let closed = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = parts.shift();
      if (part) return controller.enqueue(part);
      if (padding > 0) {
        const size = Math.min(padding, zeros.byteLength);
        padding -= size;
        return controller.enqueue(size === zeros.byteLength ? zeros : zeros.subarray(0, size));
      }
      if (!closed) {
        closed = true;
        return controller.enqueue(encoder.encode(`\r\n--${boundary}--\r\n`));
      }
      controller.close();
    },
  });
  return { contentType: `multipart/form-data; boundary=${boundary}`, body };
}
