import { createReadStream, createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { writeAtomically } from '../../lib/atomic-write.js';
import { ProviderError } from '../provider-error.js';
import type { Storage } from '../ports.js';
import { assertValidStorageKey } from './keys.js';

/** SigV4 presigned URLs cannot live longer than seven days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
/** S3's smallest part size (except the last part). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

export interface S3StorageOptions {
  bucket: string;
  region: string;
  /** S3_ENDPOINT for MinIO and other S3-compatible servers; AWS when absent. */
  endpoint?: string;
  forcePathStyle: boolean;
  /** Explicit keys; without them the SDK's default chain (env, profile, instance role) applies. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  defaultTtlSeconds: number;
  /** Multipart part size for putFile; raised to S3's 5 MB minimum. */
  partSizeBytes?: number;
}

const THROTTLING = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'RequestTimeout', 'ServiceUnavailable', 'InternalError']);
const NOT_FOUND = new Set(['NotFound', 'NoSuchKey', 'NoSuchBucket']);

/**
 * S3's answer as a ProviderError coded `S3_<code>`: throttling, 5xx and network failures retry;
 * everything else (AccessDenied, NoSuchBucket, NoSuchKey, bad credentials) is permanent.
 */
export function classifyS3Error(error: unknown, action: string): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode ?? 0;
    const code = error.name === 'Unknown' || !error.name ? String(status || 'UNKNOWN') : error.name;
    const retryable = THROTTLING.has(code) || status === 429 || status >= 500 || error.$retryable !== undefined;
    return new ProviderError(`S3_${code}`, `S3 ${action} failed: ${code} (${status}) ${error.message}`.trim(), { retryable, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError('S3_NETWORK', `S3 ${action} failed: ${message}`, { retryable: true, cause: error });
}

function isNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (NOT_FOUND.has(error.name) || error.$metadata.httpStatusCode === 404);
}

/** Media in an S3 bucket (or MinIO); large files go up in parts, reads are handed out as presigned GET URLs. */
export class S3Storage implements Storage {
  readonly backend = 's3' as const;
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly partSize: number;

  constructor(private readonly options: S3StorageOptions) {
    this.bucket = options.bucket;
    this.partSize = Math.max(MIN_PART_SIZE, options.partSizeBytes ?? 8 * 1024 * 1024);
    this.client = new S3Client({
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      requestHandler: { connectionTimeout: 5_000, socketTimeout: 60_000 },
    });
  }

  async putFile(key: string, path: string, contentType: string): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: assertValidStorageKey(key), Body: createReadStream(path), ContentType: contentType },
      partSize: this.partSize,
      queueSize: 4,
      leavePartsOnError: false,
    });
    await this.call(`upload of ${key}`, () => upload.done());
  }

  /** lib-storage aborts the multipart upload when the body fails (leavePartsOnError: false). */
  async putStream(key: string, body: Readable, contentType: string): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: assertValidStorageKey(key), Body: body, ContentType: contentType },
      partSize: this.partSize,
      queueSize: 2,
      leavePartsOnError: false,
    });
    await this.call(`streamed upload of ${key}`, () => upload.done());
  }

  /** Path style (MinIO, S3_FORCE_PATH_STYLE) or AWS's virtual-hosted style. */
  location(key: string): { bucket: string; url: string } {
    const path = assertValidStorageKey(key);
    const { endpoint, region, forcePathStyle } = this.options;
    if (endpoint) {
      const base = endpoint.replace(/\/+$/, '');
      if (forcePathStyle) return { bucket: this.bucket, url: `${base}/${this.bucket}/${path}` };
      const parsed = new URL(base);
      return { bucket: this.bucket, url: `${parsed.protocol}//${this.bucket}.${parsed.host}/${path}` };
    }
    return { bucket: this.bucket, url: `https://${this.bucket}.s3.${region}.amazonaws.com/${path}` };
  }

  async putBuffer(key: string, data: Buffer, contentType: string): Promise<void> {
    await this.call(`put of ${key}`, () =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: assertValidStorageKey(key), Body: data, ContentType: contentType })),
    );
  }

  /** Streams the object to a temporary file beside `path`, then renames it into place. */
  async getToFile(key: string, path: string): Promise<void> {
    await writeAtomically(resolve(path), (temp) =>
      this.call(`download of ${key}`, async () => {
        const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: assertValidStorageKey(key) }));
        await pipeline(Body as Readable, createWriteStream(temp));
      }),
    );
  }

  async getBuffer(key: string): Promise<Buffer> {
    return this.call(`get of ${key}`, async () => {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: assertValidStorageKey(key) }));
      if (!Body) throw new ProviderError('S3_EMPTY_BODY', `S3 returned no body for ${key}`, { retryable: true });
      return Buffer.from(await Body.transformToByteArray());
    });
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: assertValidStorageKey(key) }));
      return true;
    } catch (error) {
      if (error instanceof S3ServiceException && error.name !== 'NoSuchBucket' && isNotFound(error)) return false;
      throw classifyS3Error(error, `head of ${key}`);
    }
  }

  /** S3 answers the delete of a missing key with success, as the port wants. */
  async delete(key: string): Promise<void> {
    const Key = assertValidStorageKey(key);
    await this.call(`delete of ${key}`, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })));
  }

  /** A presigned GET URL; TTLs above SigV4's seven-day maximum are shortened to it. */
  async signedUrl(key: string, ttlSeconds = this.options.defaultTtlSeconds): Promise<string> {
    const expiresIn = Math.min(MAX_PRESIGN_SECONDS, Math.max(1, Math.floor(ttlSeconds)));
    return this.call(`presign of ${key}`, () =>
      getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: assertValidStorageKey(key) }), { expiresIn }),
    );
  }

  /** Production buckets are provisioned outside the app; development and tests create theirs here. */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (error) {
      if (!isNotFound(error)) throw classifyS3Error(error, `head of bucket ${this.bucket}`);
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'BucketAlreadyOwnedByYou') return;
      throw classifyS3Error(error, `creation of bucket ${this.bucket}`);
    }
  }

  private async call<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw classifyS3Error(error, action);
    }
  }
}
