import { describe, expect, it } from 'vitest';
import {
  decryptSecret,
  encryptSecret,
  generateMasterKey,
  parseMasterKey,
  SecretError,
} from '../../src/config/index.js';

const key = parseMasterKey(generateMasterKey());

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SecretError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('secrets (AES-256-GCM)', () => {
  it('round-trips, and never repeats a ciphertext', () => {
    const a = encryptSecret('tok_ünïcode_123', key);
    const b = encryptSecret('tok_ünïcode_123', key);
    expect(a).toMatch(/^enc:v1:[\w-]+:[\w-]+:[\w-]+$/);
    expect(a).not.toBe(b);
    expect(decryptSecret(a, key)).toBe('tok_ünïcode_123');
  });

  it('detects tampering', () => {
    const value = encryptSecret('secret-value', key);
    const parts = value.split(':');
    const data = Buffer.from(parts[4] ?? '', 'base64url');
    data[0] = (data[0] ?? 0) ^ 1;
    parts[4] = data.toString('base64url');
    expect(codeOf(() => decryptSecret(parts.join(':'), key))).toBe('HB_ERR_SECRET_DECRYPT_FAILED');
    expect(codeOf(() => decryptSecret('enc:v1:abc', key))).toBe('HB_ERR_SECRET_FORMAT');
  });

  it('fails clearly with a wrong, short or missing key', () => {
    const value = encryptSecret('secret-value', key);
    const other = parseMasterKey(generateMasterKey());
    expect(() => decryptSecret(value, other)).toThrow(/wrong HEARTBRIDGE_MASTER_KEY/);
    expect(codeOf(() => parseMasterKey('c2hvcnQ='))).toBe('HB_ERR_SECRET_KEY_INVALID');
    expect(codeOf(() => parseMasterKey(undefined))).toBe('HB_ERR_SECRET_KEY_MISSING');
    expect(parseMasterKey('ab'.repeat(32))).toHaveLength(32);
  });
});
