/**
 * Indian mobile numbers only: 10 digits starting 6–9, written bare, with a trunk 0, or with +91 /
 * 91 / 0091, spaces, dashes and brackets allowed. Everything becomes E.164 (+91XXXXXXXXXX).
 */
const INDIAN_MOBILE = /^[6-9]\d{9}$/;

export function normaliseIndianMobile(input: string): string | undefined {
  const trimmed = input.trim();
  if (!/^\+?[\d\s\-()]+$/.test(trimmed)) return undefined;
  let digits = trimmed.replace(/\D/g, '');
  if (trimmed.startsWith('+')) {
    if (!digits.startsWith('91')) return undefined;
    digits = digits.slice(2);
  } else if (digits.length === 14 && digits.startsWith('0091')) {
    digits = digits.slice(4);
  } else if (digits.length === 12 && digits.startsWith('91')) {
    digits = digits.slice(2);
  } else if (digits.length === 11 && digits.startsWith('0')) {
    digits = digits.slice(1);
  }
  return INDIAN_MOBILE.test(digits) ? `+91${digits}` : undefined;
}

/** The 10-digit form the seed's responses use ("9876543210"). */
export function nationalNumber(e164: string): string {
  return e164.replace(/^\+91/, '');
}
