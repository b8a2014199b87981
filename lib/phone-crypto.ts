import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Phone numbers at rest: AES-256-GCM for the value, HMAC-SHA256 as a blind index so a number can
 * be looked up without being stored in clear. Two keys, so a leaked index key reveals no number.
 */
export interface PhoneKeys {
  encryptionKey: Buffer;
  indexKey: Buffer;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function phoneIndex(keys: PhoneKeys, e164: string): Buffer {
  return createHmac('sha256', keys.indexKey).update(e164).digest();
}

export function encryptPhone(keys: PhoneKeys, e164: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.encryptionKey, iv);
  const ciphertext = Buffer.concat([cipher.update(e164, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

export function decryptPhone(keys: PhoneKeys, sealed: Buffer): string {
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', keys.encryptionKey, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}
