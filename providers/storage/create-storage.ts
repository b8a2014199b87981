import type { Config } from '../../lib/config.js';
import type { Storage } from '../ports.js';
import { LocalStorage } from './local.js';
import { S3Storage } from './s3.js';

export type StorageConfig = Pick<
  Config,
  | 'STORAGE_BACKEND'
  | 'MEDIA_ROOT'
  | 'MEDIA_URL_TTL_SECONDS'
  | 'MEDIA_SIGNING_KEY'
  | 'PUBLIC_BASE_URL'
  | 'S3_ENDPOINT'
  | 'S3_BUCKET'
  | 'S3_REGION'
  | 'S3_FORCE_PATH_STYLE'
  | 'AWS_ACCESS_KEY_ID'
  | 'AWS_SECRET_ACCESS_KEY'
>;

export function createS3Storage(config: StorageConfig): S3Storage {
  return new S3Storage({
    bucket: config.S3_BUCKET,
    region: config.S3_REGION,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    defaultTtlSeconds: config.MEDIA_URL_TTL_SECONDS,
    ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
    ...(config.AWS_ACCESS_KEY_ID && config.AWS_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: config.AWS_ACCESS_KEY_ID, secretAccessKey: config.AWS_SECRET_ACCESS_KEY } }
      : {}),
  });
}

/** The store STORAGE_BACKEND names: a folder under MEDIA_ROOT served by the API, or an S3 bucket. */
export function createStorage(config: StorageConfig): Storage {
  if (config.STORAGE_BACKEND === 's3') return createS3Storage(config);
  return new LocalStorage({
    root: config.MEDIA_ROOT,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    signingKey: config.MEDIA_SIGNING_KEY,
    defaultTtlSeconds: config.MEDIA_URL_TTL_SECONDS,
  });
}
