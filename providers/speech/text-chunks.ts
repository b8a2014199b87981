import { ProviderError } from '../provider-error.js';

/** The text as it is spoken: whitespace runs as one space, trimmed; a text with nothing to say is a caller's mistake, not retryable. */
export function speakableText(text: string): string {
  const normalised = text.replace(/\s+/g, ' ').trim();
  if (!normalised) throw new ProviderError('SPEECH_EMPTY_TEXT', 'the voice-over text is empty', { retryable: false });
  return normalised;
}

const sentences = new Intl.Segmenter('en', { granularity: 'sentence' });

/** Where a piece too long for one request may break, best first: after a clause's punctuation, then between words. */
const BREAKS = [/(?<=[,;:—–])\s+/, /\s+/];

/** Joins pieces with spaces into as few strings of at most `maxChars` as their order allows. */
function pack(pieces: string[], maxChars: number): string[] {
  const packed: string[] = [];
  let current = '';
  for (const piece of pieces) {
    const joined = current ? `${current} ${piece}` : piece;
    if (joined.length <= maxChars) {
      current = joined;
    } else {
      if (current) packed.push(current);
      current = piece;
    }
  }
  if (current) packed.push(current);
  return packed;
}

function fit(piece: string, maxChars: number, level = 0): string[] {
  if (piece.length <= maxChars) return [piece];
  const separator = BREAKS[level];
  if (!separator) {
    // One "word" longer than a whole request (a URL, say): cut it where it must be cut.
    return Array.from({ length: Math.ceil(piece.length / maxChars) }, (_, index) => piece.slice(index * maxChars, (index + 1) * maxChars));
  }
  const parts = piece.split(separator).filter((part) => part.length > 0);
  return pack(parts.flatMap((part) => fit(part, maxChars, level + 1)), maxChars);
}

/**
 * Splits speakable text into request-sized chunks of at most `maxChars` characters, in speaking
 * order: whole sentences packed together where they fit, a longer sentence broken at clause
 * punctuation, then between words. Joined with single spaces the chunks give the text back.
 */
export function splitForSpeech(text: string, maxChars: number): string[] {
  const pieces = Array.from(sentences.segment(text), ({ segment }) => segment.trim()).filter((segment) => segment.length > 0);
  return pack(
    pieces.flatMap((piece) => fit(piece, maxChars)),
    maxChars,
  );
}
