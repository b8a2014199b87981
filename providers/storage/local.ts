import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { copyFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { writeAtomically } from '../../lib/atomic-write.js';
import { ProviderError } from '../provider-error.js';
import type { Storage } from '../ports.js';
import { assertValidStorageKey } from './keys.js';
import { signedMediaPath } from './media-signature.js';

export interface LocalStorageOptions {
  /** MEDIA_ROOT; relative paths resolve against the working directory. */
  root: string;
  /** PUBLIC_BASE_URL: signed URLs point at this API's `/media/` route. */
  publicBaseUrl: string;
  signingKey: Buffer;
  defaultTtlSeconds: number;
}

/**
 * Media in a folder, served by the API under `/media/` with signed, expiring URLs. Every write goes
 * to a temporary file beside its target and is renamed into place, so a reader never sees half a
 * file and a crashed write leaves no object behind.
 */
export class LocalStorage implements Storage {
  readonly backend = 'local' as const;
  private readonly root: string;

  constructor(private readonly options: LocalStorageOptions) {
    this.root = resolve(options.root);
  }

  /** Local files carry no metadata: the media route derives Content-Type from the key's extension. */
  async putFile(key: string, path: string, _contentType?: string): Promise<void> {
    await writeAtomically(this.pathOf(key), (temp) => copyFile(path, temp));
  }

  async putBuffer(key: string, data: Buffer, _contentType?: string): Promise<void> {
    await writeAtomically(this.pathOf(key), (temp) => writeFile(temp, data));
  }

  async putStream(key: string, body: Readable, _contentType?: string): Promise<void> {
    await writeAtomically(this.pathOf(key), (temp) => pipeline(body, createWriteStream(temp)));
  }

  /** The media route's address without its signature: the `local` bucket is MEDIA_ROOT. */
  location(key: string): { bucket: string; url: string } {
    return { bucket: 'local', url: `${this.options.publicBaseUrl}/media/${assertValidStorageKey(key)}` };
  }

  async getToFile(key: string, path: string): Promise<void> {
    const source = this.pathOf(key);
    await writeAtomically(resolve(path), (temp) => copyFile(source, temp).catch((error: unknown) => this.rethrow(key, error)));
  }

  async getBuffer(key: string): Promise<Buffer> {
    return readFile(this.pathOf(key)).catch((error: unknown) => this.rethrow(key, error));
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  async signedUrl(key: string, ttlSeconds = this.options.defaultTtlSeconds): Promise<string> {
    assertValidStorageKey(key);
    return `${this.options.publicBaseUrl}${signedMediaPath(key, ttlSeconds, this.options.signingKey)}`;
  }

  /** Removing a missing object is not an error. Its folder stays: a concurrent write may be about to fill it. */
  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  /** Size and modification time of a stored object; undefined when there is none. */
  async stat(key: string): Promise<{ size: number; modified: Date } | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { size: info.size, modified: info.mtime } : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** The object's bytes, or the inclusive byte range `start`..`end` of them. */
  readStream(key: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.pathOf(key), range);
  }

  private pathOf(key: string): string {
    return join(this.root, assertValidStorageKey(key));
  }

  private rethrow(key: string, error: unknown): never {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ProviderError('LOCAL_STORAGE_NO_SUCH_KEY', `no stored object ${key}`, { retryable: false, cause: error });
    }
    throw error;
  }
}
