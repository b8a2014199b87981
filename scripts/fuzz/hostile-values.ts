import fc from 'fast-check';

/**
 * Hostile scalars and JSON: the strings that break path handling, storage keys and validators
 * (traversal, NUL, overlong UTF-8, direction marks, emoji, huge numbers), and JSON of the wrong
 * type and depth.
 */

/** Pieces of hostile strings; joined, encoded or not, they make path segments, query values and fields. */
export const HOSTILE_ATOMS = [
  '..', '../', '..\\', '%2e%2e', '%2e%2e%2f', '..%2f', '%2e%2e/', '%00', '\u0000', '%2500', '%c0%ae%c0%ae/', '%c0%af', '%e0%80%ae', '%ff%fe',
  '\u202e', '\u200f', '\u202a', '\u202c', '\u200e', '\u200b', '\ufeff', '🎬', '👩🏽‍🚀', '\ud800', '١٢٣', '９８７６５４３２１０',
  '/', '//', '\\', '?', '#', '%', '%zz', '%%', ';', ',', "'", '"', '<script>', '${', '{job}', ' ', '\t', '\r\n', '+',
  '-1', '0', '1', '01', '1.5', '1e309', '-0', '9007199254740993', '99999999999999999999999', 'NaN', 'Infinity', 'null', 'true', '[]', '{}',
  '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '6f1c2a9e-8a53-4c1e-9a8e-2b7f0f4f7d11',
  'jobs/1/photo.jpg', 'uploads/../../etc/passwd', '/etc/passwd', 'C:\\Windows\\win.ini', "' or 1=1--", 'a'.repeat(300),
] as const;

export const hostileAtom = fc.constantFrom(...HOSTILE_ATOMS);

/** A hostile string: one atom, a few joined, arbitrary Unicode or raw binary, or a long run. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: hostileAtom },
  { weight: 3, arbitrary: fc.array(hostileAtom, { minLength: 2, maxLength: 6 }).map((atoms) => atoms.join('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.tuple(hostileAtom, fc.constantFrom(1_000, 10_000, 70_000)).map(([atom, n]) => atom.repeat(Math.ceil(n / Math.max(1, atom.length))).slice(0, n)) },
);

/** A hostile JSON value: wrong scalar types, arrays where objects belong, odd keys. */
export const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 64, 'NaN', 'Infinity', '', [], {}),
  fc.double(),
  fc.integer(),
  fc.array(hostileString, { maxLength: 4 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 4 }),
);

/** JSON text of a deeply nested value, written out directly (JSON.stringify would recurse as deep). */
export const deepJson: fc.Arbitrary<string> = fc
  .tuple(fc.boolean(), fc.constantFrom(50, 1_000, 10_000, 30_000))
  .map(([arrays, depth]) => (arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)));

/** JSON texts plain values cannot express: huge numbers, NaN, duplicate and prototype keys, lone surrogates, truncation. */
export const oddJsonText = fc.constantFrom(
  '1e99999', '-1e99999', '123456789012345678901234567890123456789', 'NaN', '{"a":NaN}', '{"a":Infinity}', '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"x":1}}}', '{"a":1,"a":2}', '"\\ud800"', '{"a":"\\u0000"}', '{', '{"a":', '[1,2,', "{'a':1}", '', ' ',
  '\ufeff{}', 'null', 'true', '[]', '"string"', '0', '{"a":1}garbage', '\u0000',
);
