import { createReelflowClient, type paths } from '../../lib/client/reelflow-client.js';

/**
 * The typed client of the API that serves the page (same origin), and the small helpers the pages
 * share around it.
 */
export const api = createReelflowClient(location.origin);

/** The API's error shape, as far as a page reads it. */
export interface ApiErrorBody {
  error?: string;
  message?: string;
  statusCode?: number;
  details?: unknown;
  attempts_left?: number;
  retry_after_seconds?: number;
}

/** The error body of a failed call, whatever it held (a proxy's HTML page reads as empty). */
export function errorBody(error: unknown): ApiErrorBody {
  return typeof error === 'object' && error !== null ? (error as ApiErrorBody) : {};
}

/**
 * A multipart body as the page has it: the document types binary parts as `string`, a page
 * sends Blobs. `formBody` keeps the field names and types checked against the operation and
 * `toFormData` (as openapi-fetch's `bodySerializer`) sends them as multipart/form-data.
 */
export type MultipartFields<B> = { [K in keyof B]: B[K] | Blob };

export function formBody<B>(fields: MultipartFields<B>): B {
  return fields as B;
}

export function toFormData(fields: unknown): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields as Record<string, string | Blob | undefined>)) {
    if (value === undefined) continue;
    if (value instanceof Blob) form.set(name, value, value instanceof File ? value.name : `${name}.jpg`);
    else form.set(name, value);
  }
  return form;
}

/** The multipart body type of `POST path`. */
export type MultipartBody<P extends keyof paths> = paths[P] extends { post: { requestBody: { content: { 'multipart/form-data': infer B } } } } ? B : never;

/** `ws://` or `wss://` on the page's own origin. */
export function socketUrl(path: string): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`;
}
