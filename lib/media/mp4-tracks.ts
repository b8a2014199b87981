import { open } from 'node:fs/promises';

/**
 * Reads an MP4's movie header (the `moov` box, ISO/IEC 14496-12) in this process, without starting
 * ffprobe: for each track its handler (`vide`, `soun`, ...), its one sample entry's format
 * (`avc1` for H.264, `mp4a`) with the audio object type for `mp4a` (0x40 is AAC, ISO/IEC
 * 14496-1 DecoderConfigDescriptor), and whether its display matrix is the identity (shown
 * unturned); and the movie's duration. Only what a file written by ffmpeg's mp4 muxer holds is
 * understood: anything else (several sample entries, QuickTime sound entries, a 64-bit or
 * truncated box, no moov in the first boxes) gives undefined, and callers ask ffprobe instead.
 */

export interface Mp4Track {
  handler: string;
  sampleEntry: string;
  /** The mp4a entry's objectTypeIndication (0x40 AAC); undefined for other entries. */
  audioObjectType: number | undefined;
  identityMatrix: boolean;
}

export interface Mp4Movie {
  durationSeconds: number;
  tracks: Mp4Track[];
}

/** A moov larger than this is not read into memory (ffprobe decides). */
const MAX_MOOV_BYTES = 8 * 1024 * 1024;
const IDENTITY = [0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000];

interface Box {
  type: string;
  /** Where its content starts and ends in the buffer. */
  start: number;
  end: number;
}

/** The boxes in buffer[start, end); undefined when one is malformed or 64-bit. */
function boxes(buffer: Buffer, start: number, end: number): Box[] | undefined {
  const found: Box[] = [];
  for (let at = start; at < end; ) {
    if (at + 8 > end) return undefined;
    const size = buffer.readUInt32BE(at);
    if (size < 8 || at + size > end) return undefined;
    found.push({ type: buffer.toString('latin1', at + 4, at + 8), start: at + 8, end: at + size });
    at += size;
  }
  return found;
}

function child(buffer: Buffer, parent: Box | undefined, type: string): Box | undefined {
  return parent ? boxes(buffer, parent.start, parent.end)?.find((box) => box.type === type) : undefined;
}

/** The objectTypeIndication in an esds box (ES_Descriptor 0x03 holding a DecoderConfigDescriptor 0x04). */
function audioObjectType(buffer: Buffer, esds: Box): number | undefined {
  let at = esds.start + 4; // version and flags
  const descriptor = (tag: number): boolean => {
    if (buffer[at] !== tag) return false;
    at += 1;
    for (let i = 0; i < 4 && (buffer[at++]! & 0x80) !== 0; i++); // length: up to four 7-bit bytes
    return true;
  };
  if (!descriptor(0x03)) return undefined;
  const flags = buffer[at + 2]!;
  at += 3; // ES_ID and flags
  if (flags & 0x80) at += 2; // streamDependenceFlag: dependsOn_ES_ID
  if (flags & 0x40) at += 1 + buffer[at]!; // URL_Flag: URLlength and URL
  if (flags & 0x20) at += 2; // OCRstreamFlag: OCR_ES_Id
  if (at >= esds.end || !descriptor(0x04)) return undefined;
  return buffer[at];
}

function track(buffer: Buffer, trak: Box): Mp4Track | undefined {
  const tkhd = child(buffer, trak, 'tkhd');
  const mdia = child(buffer, trak, 'mdia');
  const hdlr = child(buffer, mdia, 'hdlr');
  const stsd = child(buffer, child(buffer, child(buffer, mdia, 'minf'), 'stbl'), 'stsd');
  if (!tkhd || !hdlr || !stsd || buffer.readUInt32BE(stsd.start + 4) !== 1) return undefined;
  // tkhd: version and flags, times and ids (20 bytes in version 0, 32 in 1), 16 reserved/layer/volume bytes, then the matrix.
  const matrixAt = tkhd.start + 4 + (buffer[tkhd.start] === 1 ? 32 : 20) + 16;
  if (matrixAt + 36 > tkhd.end) return undefined;
  const identityMatrix = IDENTITY.every((value, index) => buffer.readUInt32BE(matrixAt + 4 * index) === value);
  const [entry] = boxes(buffer, stsd.start + 8, stsd.end) ?? [];
  if (!entry) return undefined;
  let objectType: number | undefined;
  if (entry.type === 'mp4a') {
    // Version 0 sound sample entry: 28 bytes of fields before its child boxes (QuickTime versions 1 and 2 differ).
    if (buffer.readUInt16BE(entry.start + 8) !== 0) return undefined;
    const esds = boxes(buffer, entry.start + 28, entry.end)?.find((box) => box.type === 'esds');
    objectType = esds && audioObjectType(buffer, esds);
  }
  return { handler: buffer.toString('latin1', hdlr.start + 8, hdlr.start + 12), sampleEntry: entry.type, audioObjectType: objectType, identityMatrix };
}

/** The movie header of the MP4 at `path`, or undefined when it is not one this reader understands (see above). */
export async function readMp4Movie(path: string): Promise<Mp4Movie | undefined> {
  const file = await open(path, 'r');
  try {
    const header = Buffer.alloc(8);
    // ffmpeg with +faststart puts moov after ftyp (and perhaps a free box): a few boxes in at most.
    for (let at = 0, seen = 0; seen < 4; seen++) {
      const { bytesRead } = await file.read(header, 0, 8, at);
      if (bytesRead < 8) return undefined;
      const size = header.readUInt32BE(0);
      if (size < 8) return undefined;
      if (header.toString('latin1', 4, 8) !== 'moov') {
        at += size;
        continue;
      }
      if (size > MAX_MOOV_BYTES) return undefined;
      const moov = Buffer.alloc(size);
      if ((await file.read(moov, 0, size, at)).bytesRead < size) return undefined;
      const content = boxes(moov, 8, size);
      const mvhd = content?.find((box) => box.type === 'mvhd');
      if (!content || !mvhd || moov[mvhd.start] !== 0) return undefined;
      const tracks = content.filter((box) => box.type === 'trak').map((trak) => track(moov, trak));
      if (tracks.some((entry) => entry === undefined)) return undefined;
      // mvhd version 0: version and flags, creation and modification times, then timescale and duration.
      const timescale = moov.readUInt32BE(mvhd.start + 12);
      if (timescale === 0) return undefined;
      return { durationSeconds: moov.readUInt32BE(mvhd.start + 16) / timescale, tracks: tracks as Mp4Track[] };
    }
    return undefined;
  } finally {
    await file.close();
  }
}
