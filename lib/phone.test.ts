import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseIndianMobile } from './phone.js';
import { plainTypedText } from './typed-input.js';

describe('normaliseIndianMobile', () => {
  it('reads every spelling of one number as the same E.164', () => {
    const spellings = [
      '9876543210', '09876543210', '919876543210', '00919876543210', '+91 98765 43210', '+91-98765-43210', '98765\u00A043210',
      '\u202A+91 98765 43210\u202C', '\u200E9876543210', '\u2066+91 98765 43210\u2069', '\uFEFF9876543210\u200B',
      '९८७६५४३२१०', '٩٨٧٦٥٤٣٢١٠', '۹۸۷۶۵۴۳۲۱۰', '＋９１ ９８７６５ ４３２１０', '𝟗𝟖𝟕𝟔𝟓𝟒𝟑𝟐𝟏𝟎',
    ];
    for (const spelling of spellings) assert.equal(normaliseIndianMobile(spelling), '+919876543210', JSON.stringify(spelling));
  });

  it('refuses other countries, landlines, extensions, surrounding text and non-mobile ranges', () => {
    for (const input of ['+14155552671', '+91 80 2345 6789', '5876543210', '1234567890', '98765 43210 ext 2', 'call 9876543210', '', '\u200E', '9'.repeat(60)]) {
      assert.equal(normaliseIndianMobile(input), undefined, JSON.stringify(input));
    }
  });
});

describe('plainTypedText', () => {
  it('makes digits of every decimal script ASCII: each Unicode Nd run of ten maps to 0–9', () => {
    const runs = [0x0660, 0x06f0, 0x0966, 0x09e6, 0x0a66, 0x0ae6, 0x0b66, 0x0be6, 0x0c66, 0x0ce6, 0x0d66, 0x0e50, 0xff10, 0x1d7ce, 0x1d7d8];
    for (const zero of runs) {
      const digits = Array.from({ length: 10 }, (_, value) => String.fromCodePoint(zero + value)).join('');
      assert.equal(plainTypedText(digits), '0123456789', zero.toString(16));
    }
  });

  it('keeps letters and drops only invisible format characters', () => {
    assert.equal(plainTypedText('\u200Fabc\u00AD\u2060 x'), 'abc x');
  });
});
