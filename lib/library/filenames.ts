/**
 * Names of library videos. A client's file name is shown back to its owner (`original_filename`)
 * but never becomes part of a storage key raw: keys use `safeFilename`'s stem.
 */

/** The seed's columns are varchar(255). */
const MAX_NAME_LENGTH = 255;
const MAX_STEM_LENGTH = 60;

/**
 * The name as the client gave it, fit for display: the last path segment (some clients send
 * `C:\fakepath\clip.mp4`), Unicode NFC, control and format characters removed, whitespace
 * collapsed, at most 255 characters (whole code points). `fallback` when nothing is left.
 */
export function displayFilename(original: string | undefined, fallback: string): string {
  const lastSegment = (original ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = lastSegment
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/\s+/gu, ' ')
    .trim();
  const fitted = Array.from(cleaned).slice(0, MAX_NAME_LENGTH).join('');
  return fitted || fallback;
}

/**
 * The seed's `safe_filename` ("My Video.mp4" → "my_video.mp4"): letters folded to ASCII where they
 * decompose (é → e), lower case, every run of other characters one `_`, at most 60 characters,
 * `video` when nothing is left; the extension is the detected container's (`ext`), never the name's.
 * Returns the stem too, for storage keys (providers/storage/keys.ts libraryVideoKeys).
 */
export function safeFilename(original: string | undefined, ext: string): { stem: string; filename: string } {
  const name = displayFilename(original, '');
  const withoutExtension = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : name;
  const stem =
    withoutExtension
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .slice(0, MAX_STEM_LENGTH)
      .replace(/^_+|_+$/g, '') || 'video';
  return { stem, filename: `${stem}.${ext}` };
}
