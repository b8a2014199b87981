/**
 * A library upload's container, read from its first bytes: never from its name or the Content-Type
 * the client sent. ffprobe and a decoded frame confirm it later (lib/library/probe-video.ts).
 */

export type VideoContainer =
  | { contentType: 'video/mp4'; ext: 'mp4' }
  | { contentType: 'video/quicktime'; ext: 'mov' }
  | { contentType: 'video/x-m4v'; ext: 'm4v' }
  | { contentType: 'video/webm'; ext: 'webm' }
  | { contentType: 'video/x-matroska'; ext: 'mkv' };

/** What the first bytes say: a container, not a video we take, or not enough bytes yet. */
export type ContainerSniff = VideoContainer | 'unsupported' | 'incomplete';

/** Enough for any EBML header a muxer writes; a file still undecided after this many bytes is refused. */
export const SNIFF_BYTES = 4096;

const MP4: VideoContainer = { contentType: 'video/mp4', ext: 'mp4' };
const QUICKTIME: VideoContainer = { contentType: 'video/quicktime', ext: 'mov' };
const M4V: VideoContainer = { contentType: 'video/x-m4v', ext: 'm4v' };
const WEBM: VideoContainer = { contentType: 'video/webm', ext: 'webm' };
const MATROSKA: VideoContainer = { contentType: 'video/x-matroska', ext: 'mkv' };

/** Atoms an old QuickTime file (before `ftyp` existed) may start with. */
const QUICKTIME_FIRST_ATOMS = new Set(['moov', 'mdat', 'wide', 'free', 'skip']);
const M4V_BRANDS = new Set(['M4V ', 'M4VH', 'M4VP']);

const EBML_MAGIC = [0x1a, 0x45, 0xdf, 0xa3];
const EBML_DOCTYPE_ID = 0x4282;

const ascii = (head: Uint8Array, start: number, end: number) => String.fromCharCode(...head.subarray(start, end));

/**
 * Sniffs an upload's first bytes (pass at least SNIFF_BYTES when the file has them):
 * an ISO-BMFF `ftyp` box at offset 4 names the brand (`qt  ` → QuickTime, the `M4V` brands →
 * M4V, any other → MP4); an old QuickTime file starts with a `moov`, `mdat`, `wide`, `free` or
 * `skip` atom; an EBML header's DocType says WebM or Matroska.
 */
export function sniffVideoContainer(head: Uint8Array): ContainerSniff {
  if (head.length >= 4 && EBML_MAGIC.every((byte, index) => head[index] === byte)) return sniffEbml(head);
  if (head.length < 12) return 'incomplete';
  const boxSize = new DataView(head.buffer, head.byteOffset, 4).getUint32(0);
  const boxType = ascii(head, 4, 8);
  if (boxType === 'ftyp') {
    if (boxSize < 16) return 'unsupported';
    const brand = ascii(head, 8, 12);
    if (brand === 'qt  ') return QUICKTIME;
    return M4V_BRANDS.has(brand) ? M4V : MP4;
  }
  // Size 0 runs to the end of the file, 1 announces a 64-bit size; anything else covers its 8-byte header.
  if (QUICKTIME_FIRST_ATOMS.has(boxType) && (boxSize === 0 || boxSize === 1 || boxSize >= 8)) return QUICKTIME;
  return 'unsupported';
}

/** An EBML variable-length integer at `offset`: its byte length and value (with the length marker kept for IDs). */
function readVint(head: Uint8Array, offset: number, keepMarker: boolean): { length: number; value: number } | 'incomplete' | 'invalid' {
  if (offset >= head.length) return 'incomplete';
  const first = head[offset]!;
  const length = Math.clz32(first) - 23;
  if (length < 1 || length > 8) return 'invalid';
  if (offset + length > head.length) return 'incomplete';
  let value = keepMarker ? first : first & (0xff >> length);
  for (let index = 1; index < length; index += 1) value = value * 256 + head[offset + index]!;
  return { length, value };
}

/** Walks the EBML header's children for its DocType ("webm" or "matroska"). */
function sniffEbml(head: Uint8Array): ContainerSniff {
  const headerSize = readVint(head, 4, false);
  if (headerSize === 'incomplete' || headerSize === 'invalid') return headerSize === 'incomplete' ? 'incomplete' : 'unsupported';
  const end = 4 + headerSize.length + headerSize.value;
  let offset = 4 + headerSize.length;
  while (offset < end) {
    const id = readVint(head, offset, true);
    if (id === 'invalid') return 'unsupported';
    if (id === 'incomplete') return 'incomplete';
    const size = readVint(head, offset + id.length, false);
    if (size === 'invalid') return 'unsupported';
    if (size === 'incomplete') return 'incomplete';
    const dataStart = offset + id.length + size.length;
    if (id.value === EBML_DOCTYPE_ID) {
      if (dataStart + size.value > head.length) return 'incomplete';
      const docType = ascii(head, dataStart, dataStart + size.value).replace(/\0+$/, '');
      if (docType === 'webm') return WEBM;
      return docType === 'matroska' ? MATROSKA : 'unsupported';
    }
    offset = dataStart + size.value;
  }
  return 'unsupported';
}
