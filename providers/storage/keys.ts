import { randomUUID } from 'node:crypto';

/**
 * Storage keys are made here, never taken from user input. The charset is safe both as a path
 * segment under MEDIA_ROOT and as an S3 key; anything else (`..`, a leading slash, empty
 * segments, odd characters) is refused, so a key can never name a file outside the store.
 */

const KEY_PATTERN = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const MAX_KEY_LENGTH = 512;

const KIND_PATTERN = /^[a-z][a-z0-9-]*$/;
const EXT_PATTERN = /^[a-z0-9]{1,8}$/;

export class InvalidStorageKeyError extends Error {
  override readonly name = 'InvalidStorageKeyError';
}

export function isValidStorageKey(key: string): boolean {
  return (
    key.length <= MAX_KEY_LENGTH &&
    KEY_PATTERN.test(key) &&
    key.split('/').every((segment) => segment !== '.' && segment !== '..')
  );
}

export function assertValidStorageKey(key: string): string {
  if (!isValidStorageKey(key)) throw new InvalidStorageKeyError(`invalid storage key ${JSON.stringify(key.slice(0, 80))}`);
  return key;
}

/**
 * Whose media a key holds: one job's (its numeric id), one signed-in user's (their id), or the MV
 * pipeline's shared folders, named by its contract: outputs that later requests may reference
 * (`mv/outputs/character_reference`) and one project's scene clips (`mv/projects/<project>/scenes`).
 */
export type KeyScope = { job: number } | { user: string } | { mvOutputs: 'character_reference' } | { mvScenes: string };

const USER_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
/** An MV project name: one safe path segment. */
export const MV_PROJECT_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const MV_OUTPUT_FOLDERS = ['character_reference'] as const;
const UNIQUE_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Every storage key is made here: `jobs/<job id>/<kind>-<unique>.<ext>`,
 * `users/<user id>/<kind>-<unique>.<ext>`, `mv/outputs/character_reference/<kind>-<unique>.<ext>` or
 * `mv/projects/<project>/scenes/<kind>-<unique>.<ext>`, e.g. `jobs/42/video-1b4e….mp4`. `unique` defaults to a
 * fresh UUID (a new key per call); pass a digest for a key that repeats for the same content.
 * Throws InvalidStorageKeyError for anything that could escape its folder.
 */
export function storageKey(scope: KeyScope, kind: string, ext: string, unique: string = randomUUID()): string {
  let folder: string;
  if ('job' in scope) {
    if (!Number.isSafeInteger(scope.job) || scope.job < 0) throw new InvalidStorageKeyError(`job id must be a whole number, got ${scope.job}`);
    folder = `jobs/${scope.job}`;
  } else if ('user' in scope) {
    if (!USER_ID_PATTERN.test(scope.user)) throw new InvalidStorageKeyError(`user id must match ${USER_ID_PATTERN}, got ${JSON.stringify(scope.user)}`);
    folder = `users/${scope.user}`;
  } else if ('mvOutputs' in scope) {
    // Checked at run time too: a cast can get any string past the type.
    if (!(MV_OUTPUT_FOLDERS as readonly string[]).includes(scope.mvOutputs)) throw new InvalidStorageKeyError(`MV output folder must be one of ${MV_OUTPUT_FOLDERS.join(', ')}, got ${JSON.stringify(scope.mvOutputs)}`);
    folder = `mv/outputs/${scope.mvOutputs}`;
  } else {
    if (!MV_PROJECT_PATTERN.test(scope.mvScenes)) throw new InvalidStorageKeyError(`MV project must match ${MV_PROJECT_PATTERN}, got ${JSON.stringify(scope.mvScenes)}`);
    folder = `mv/projects/${scope.mvScenes}/scenes`;
  }
  if (!KIND_PATTERN.test(kind)) throw new InvalidStorageKeyError(`media kind must match ${KIND_PATTERN}, got ${JSON.stringify(kind)}`);
  if (!UNIQUE_PATTERN.test(unique)) throw new InvalidStorageKeyError(`unique part must match ${UNIQUE_PATTERN}, got ${JSON.stringify(unique)}`);
  const extension = ext.replace(/^\./, '').toLowerCase();
  if (!EXT_PATTERN.test(extension)) throw new InvalidStorageKeyError(`extension must match ${EXT_PATTERN}, got ${JSON.stringify(ext)}`);
  return `${folder}/${kind}-${unique}.${extension}`;
}

const CONTENT_TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  m4v: 'video/x-m4v',
  mkv: 'video/x-matroska',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  m4a: 'audio/mp4',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  json: 'application/json',
  txt: 'text/plain; charset=utf-8',
};

/** The Content-Type a key's extension stands for (keys are generated with the right extension). */
export function contentTypeOf(key: string): string {
  const ext = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

const LIBRARY_STEM_PATTERN = /^[a-z0-9][a-z0-9_-]{0,99}$/;

/**
 * A library video's keys as the video-library seed lays them out:
 * `uploads/users/<user>/videos/<epoch>_<tag>_<stem>.<ext>` and its thumbnail
 * `uploads/users/<user>/thumbnails/<epoch>_<tag>_<stem>_thumb.jpg`, e.g.
 * `uploads/users/6f1c…/videos/1704123456_0b8f2c1d_my_video.mp4`. `epoch` is the upload's Unix
 * time in seconds; `tag` (the first 8 hex digits of the video's id) keeps two uploads of one name
 * in the same second apart; `stem` comes from safeFilename (lib/library/filenames.ts), never raw
 * from a request. Throws InvalidStorageKeyError for anything else.
 */
export function libraryVideoKeys(input: { userId: string; videoId: string; uploadedAt: Date; stem: string; ext: string }): { videoKey: string; thumbnailKey: string } {
  if (!USER_ID_PATTERN.test(input.userId)) throw new InvalidStorageKeyError(`user id must match ${USER_ID_PATTERN}, got ${JSON.stringify(input.userId)}`);
  if (!LIBRARY_STEM_PATTERN.test(input.stem)) throw new InvalidStorageKeyError(`file name stem must match ${LIBRARY_STEM_PATTERN}, got ${JSON.stringify(input.stem)}`);
  const tag = input.videoId.replace(/-/g, '').slice(0, 8).toLowerCase();
  if (!/^[0-9a-f]{8}$/.test(tag)) throw new InvalidStorageKeyError(`video id must be a UUID, got ${JSON.stringify(input.videoId)}`);
  const extension = input.ext.replace(/^\./, '').toLowerCase();
  if (!EXT_PATTERN.test(extension)) throw new InvalidStorageKeyError(`extension must match ${EXT_PATTERN}, got ${JSON.stringify(input.ext)}`);
  const name = `${Math.floor(input.uploadedAt.getTime() / 1000)}_${tag}_${input.stem}`;
  const folder = `uploads/users/${input.userId}`;
  return {
    videoKey: assertValidStorageKey(`${folder}/videos/${name}.${extension}`),
    thumbnailKey: assertValidStorageKey(`${folder}/thumbnails/${name}_thumb.jpg`),
  };
}
