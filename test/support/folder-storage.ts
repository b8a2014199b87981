import { copyFile, mkdir, readFile, rm, writeFile, access } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import type { Storage } from '../../providers/ports.js';

/** The smallest real Storage for activity tests: objects are files under `root`. Not the app's local backend. */
export function folderStorage(root: string): Storage {
  const at = (key: string) => join(root, key);
  return {
    backend: 'local',
    async putFile(key, path) {
      await mkdir(dirname(at(key)), { recursive: true });
      await copyFile(path, at(key));
    },
    async putBuffer(key, data) {
      await mkdir(dirname(at(key)), { recursive: true });
      await writeFile(at(key), data);
    },
    async putStream(key, body) {
      await mkdir(dirname(at(key)), { recursive: true });
      await pipeline(body, createWriteStream(at(key)));
    },
    location: (key) => ({ bucket: 'folder', url: pathToFileURL(at(key)).toString() }),
    async getToFile(key, path) {
      await copyFile(at(key), path);
    },
    getBuffer: (key) => readFile(at(key)),
    exists: (key) => access(at(key)).then(() => true, () => false),
    signedUrl: async (key) => pathToFileURL(at(key)).toString(),
    delete: (key) => rm(at(key), { force: true }),
  };
}
