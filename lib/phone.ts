import { parsePhoneNumber } from 'libphonenumber-js/mobile';
import { plainTypedText } from './typed-input.js';

/**
 * An Indian mobile number in any spelling a person or a phone produces — bare, with a trunk 0, with
 * +91 / 91 / 0091, spaced, dashed, bracketed, full-width, in Devanagari or another script's digits,
 * wrapped in the invisible marks of a copied contact card — as E.164 (`+91XXXXXXXXXX`); undefined for
 * anything else (another country, a landline, an extension, surrounding text). Validity and the
 * mobile ranges come from libphonenumber-js's mobile metadata (Google's libphonenumber data).
 */
export function normaliseIndianMobile(input: string): string | undefined {
  const text = plainTypedText(input);
  if (text.length === 0 || text.length > 40) return undefined;
  try {
    const number = parsePhoneNumber(text, { defaultCountry: 'IN', extract: false });
    return number.country === 'IN' && !number.ext && number.isValid() ? number.number : undefined;
  } catch {
    return undefined; // libphonenumber's ParseError: not a phone number at all
  }
}

/** The 10-digit form the seed's responses use ("9876543210"). */
export function nationalNumber(e164: string): string {
  return e164.replace(/^\+91/, '');
}
