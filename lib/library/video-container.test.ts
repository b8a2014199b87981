import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sniffVideoContainer } from './video-container.js';

/** An ISO-BMFF file's first box: `ftyp` with its major brand. */
const ftyp = (brand: string) => Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from(`ftyp${brand}`), Buffer.alloc(12)]);
/** An EBML header holding only its DocType. */
const ebml = (docType: string) => Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x80 | (docType.length + 3), 0x42, 0x82, 0x80 | docType.length]), Buffer.from(docType)]);

describe('sniffVideoContainer', () => {
  it('names MP4, QuickTime and M4V by the ftyp major brand', () => {
    for (const brand of ['isom', 'mp42', 'avc1', 'M4A ']) assert.equal(sniffVideoContainer(ftyp(brand)), sniffVideoContainer(ftyp('isom')));
    assert.deepEqual(sniffVideoContainer(ftyp('isom')), { contentType: 'video/mp4', ext: 'mp4' });
    assert.deepEqual(sniffVideoContainer(ftyp('qt  ')), { contentType: 'video/quicktime', ext: 'mov' });
    for (const brand of ['M4V ', 'M4VH', 'M4VP']) assert.deepEqual(sniffVideoContainer(ftyp(brand)), { contentType: 'video/x-m4v', ext: 'm4v' });
  });

  it('takes an old QuickTime file by its first atom', () => {
    for (const atom of ['moov', 'mdat', 'wide', 'free', 'skip']) {
      assert.deepEqual(sniffVideoContainer(Buffer.concat([Buffer.from([0, 0, 0, 8]), Buffer.from(atom), Buffer.alloc(8)])), { contentType: 'video/quicktime', ext: 'mov' });
    }
  });

  it('reads the EBML DocType: webm or matroska', () => {
    assert.deepEqual(sniffVideoContainer(ebml('webm')), { contentType: 'video/webm', ext: 'webm' });
    assert.deepEqual(sniffVideoContainer(ebml('matroska')), { contentType: 'video/x-matroska', ext: 'mkv' });
    assert.equal(sniffVideoContainer(ebml('other')), 'unsupported');
    assert.equal(sniffVideoContainer(ebml('matroska').subarray(0, 10)), 'incomplete');
  });

  it('refuses anything else, and waits for more than a few bytes', () => {
    assert.equal(sniffVideoContainer(Buffer.from('hello, this is not a video at all')), 'unsupported');
    assert.equal(sniffVideoContainer(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1])), 'unsupported');
    assert.equal(sniffVideoContainer(Buffer.from('\x00\x00\x00\x18ftyp')), 'incomplete');
    assert.equal(sniffVideoContainer(Buffer.from([0, 0, 0, 4, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d])), 'unsupported', 'an ftyp box too small to hold its brand');
  });
});
