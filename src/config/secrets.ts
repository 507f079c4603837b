/**
 * Secrets at rest: AES-256-GCM with a 32-byte master key from `HEARTBRIDGE_MASTER_KEY` (base64 or hex).
 *
 * Format: `enc:v1:<iv>:<tag>:<ciphertext>`, each part base64url (no `:`, `/` or `+`, so the value is a
 * plain YAML scalar). The version prefix lets the scheme change without guessing. GCM's tag makes any
 * change to iv, tag or ciphertext — and a wrong key — fail to decrypt instead of yielding garbage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { PermanentError } from '../engine/errors.js';

export const ENCRYPTED_PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export class SecretError extends PermanentError {}

export function isEncrypted(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(ENCRYPTED_PREFIX);
}

/** Parses a 32-byte key written as 64 hex characters or as base64 / base64url. */
export function parseMasterKey(raw: string | undefined): Buffer {
  const text = raw?.trim() ?? '';
  if (!text) {
    throw new SecretError({
      code: 'HB_ERR_SECRET_KEY_MISSING',
      message: 'HEARTBRIDGE_MASTER_KEY is not set, but an encrypted (enc:v1:) value must be read',
      suggestedFix:
        'Set HEARTBRIDGE_MASTER_KEY to the 32-byte key (base64 or hex) the values were encrypted with.',
    });
  }
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new SecretError({
      code: 'HB_ERR_SECRET_KEY_INVALID',
      message: `HEARTBRIDGE_MASTER_KEY must be 32 bytes (64 hex characters or 44 base64 characters); it decodes to ${key.length} bytes`,
      suggestedFix: 'Generate one with `heartbridge config keygen` or `openssl rand -base64 32`.',
    });
  }
  return key;
}

export function masterKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Buffer {
  return parseMasterKey(env.HEARTBRIDGE_MASTER_KEY);
}

export function generateMasterKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

export function encryptSecret(plaintext: string, key: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `${ENCRYPTED_PREFIX}${iv.toString('base64url')}:${tag.toString('base64url')}:${ciphertext.toString('base64url')}`;
}

export function decryptSecret(value: string, key: Buffer): string {
  if (!isEncrypted(value)) {
    throw new SecretError({ code: 'HB_ERR_SECRET_FORMAT', message: 'not an enc:v1: value' });
  }
  const parts = value.slice(ENCRYPTED_PREFIX.length).split(':');
  const [ivText, tagText, dataText] = parts;
  const iv = Buffer.from(ivText ?? '', 'base64url');
  const tag = Buffer.from(tagText ?? '', 'base64url');
  if (parts.length !== 3 || iv.length !== IV_BYTES || tag.length !== TAG_BYTES || dataText === undefined) {
    throw new SecretError({
      code: 'HB_ERR_SECRET_FORMAT',
      message: 'malformed encrypted value (expected enc:v1:<iv>:<tag>:<ciphertext>)',
    });
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(dataText, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch (cause) {
    // GCM cannot tell a wrong key from a modified value; say both.
    throw new SecretError({
      code: 'HB_ERR_SECRET_DECRYPT_FAILED',
      message: 'cannot decrypt value: wrong HEARTBRIDGE_MASTER_KEY, or the value was modified',
      suggestedFix:
        'Use the master key the value was encrypted with, or re-encrypt it with `heartbridge config encrypt`.',
      cause,
    });
  }
}
