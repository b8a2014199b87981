/**
 * A phone number fit for logs and local inspection: country prefix and last four digits only,
 * e.g. +919876543210 → +91******3210. Accepts E.164 or WhatsApp's bare digits (919876543210).
 */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length <= 6) return '+' + '*'.repeat(digits.length);
  return `+${digits.slice(0, 2)}${'*'.repeat(digits.length - 6)}${digits.slice(-4)}`;
}
