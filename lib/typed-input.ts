/**
 * Text as phone keyboards, contact pickers and autofill produce it, made plain: compatibility forms
 * folded (NFKC: full-width `＋９１` becomes `+91`), invisible format characters removed (the
 * direction marks U+200E/U+200F and embeddings U+202A–U+202E a copied contact card wraps a number
 * in, U+2066–U+2069 isolates, zero-width spaces, the BOM), decimal digits of any script made ASCII
 * (Devanagari `९८७`, Arabic-Indic `٩٨٧` …), any Unicode space made a plain space, ends trimmed.
 * For numbers and codes only: it changes what a name or a sentence means.
 */
export function plainTypedText(input: string): string {
  return input
    .normalize('NFKC')
    .replace(/\p{Cf}/gu, '')
    .replace(/\p{Nd}/gu, asciiDigit)
    .replace(/\p{Zs}/gu, ' ')
    .trim();
}

/**
 * Unicode encodes every script's decimal digits 0–9 as a run of ten consecutive code points, runs
 * that touch starting at multiples of ten from the first (Unicode Standard §4.6, Numeric_Type=Decimal),
 * so a digit's value is its distance from the start of its block of digits, modulo ten.
 */
function asciiDigit(digit: string): string {
  const codePoint = digit.codePointAt(0) ?? 0;
  if (codePoint <= 0x39) return digit;
  let start = codePoint;
  while (/\p{Nd}/u.test(String.fromCodePoint(start - 1))) start -= 1;
  return String((codePoint - start) % 10);
}
