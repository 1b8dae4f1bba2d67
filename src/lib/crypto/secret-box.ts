// Secrets at rest: AES-256-GCM with a key from the environment, the key id stored beside the
// ciphertext so keys can be rotated (old ciphertexts still open with their own key; new ones use
// the current key). The associated data binds a ciphertext to its owner (workspace + provider),
// so a ciphertext copied into another row does not open there.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export class SecretBoxConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxConfigError';
  }
}

export interface SecretBoxKeys {
  currentKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

/**
 * Parses `METRICS_ENCRYPTION_KEYS` ("id:base64key,id2:base64key", 32-byte keys); the first is
 * current unless `METRICS_ENCRYPTION_KEY_ID` names another. Null when none is configured.
 */
export function parseSecretBoxKeys(env: Readonly<Record<string, string | undefined>>): SecretBoxKeys | null {
  const raw = env.METRICS_ENCRYPTION_KEYS?.trim();
  if (!raw) return null;
  const keys = new Map<string, Buffer>();
  for (const entry of raw.split(',')) {
    const [id, material] = entry.trim().split(':', 2);
    if (!id || !KEY_ID.test(id) || !material)
      throw new SecretBoxConfigError('METRICS_ENCRYPTION_KEYS entries look like "<id>:<base64 of 32 bytes>"');
    const key = Buffer.from(material, 'base64');
    if (key.length !== KEY_BYTES) throw new SecretBoxConfigError(`METRICS_ENCRYPTION_KEYS: key "${id}" is not 32 bytes`);
    keys.set(id, key);
  }
  const currentKeyId = env.METRICS_ENCRYPTION_KEY_ID?.trim() || [...keys.keys()][0]!;
  if (!keys.has(currentKeyId))
    throw new SecretBoxConfigError(`METRICS_ENCRYPTION_KEY_ID "${currentKeyId}" is not in METRICS_ENCRYPTION_KEYS`);
  return { currentKeyId, keys };
}

/**
 * Why `METRICS_ENCRYPTION_KEYS` (with `METRICS_ENCRYPTION_KEY_ID`) cannot be used, or null when it
 * is unset or well formed. Names the variable and at most a key id, never key material.
 */
export function encryptionKeysProblem(env: Readonly<Record<string, string | undefined>>): string | null {
  try {
    parseSecretBoxKeys(env);
    return null;
  } catch (error) {
    if (error instanceof SecretBoxConfigError) return error.message;
    throw error;
  }
}

/** A fresh key in the configuration's format, for docs and set-up scripts. */
export function generateSecretBoxKey(id = 'k1'): string {
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

export function sealSecret(keys: SecretBoxKeys, plaintext: string, associatedData: string): string {
  const key = keys.keys.get(keys.currentKeyId)!;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [
    VERSION,
    keys.currentKeyId,
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    ciphertext.toString('base64url'),
  ].join('.');
}

/** Opens a sealed secret; throws when the key is unknown or the ciphertext or its owner does not match. */
export function openSecret(keys: SecretBoxKeys, sealed: string, associatedData: string): string {
  const [version, keyId, iv, tag, ciphertext] = sealed.split('.');
  if (version !== VERSION || !keyId || !iv || !tag || ciphertext === undefined) throw new Error('not a sealed secret');
  const key = keys.keys.get(keyId);
  if (!key) throw new SecretBoxConfigError(`encryption key "${keyId}" is not configured (METRICS_ENCRYPTION_KEYS)`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
}

/** What may be shown of a secret: a short hash, never the secret or a part of it. */
export function secretFingerprint(plaintext: string): string {
  return `sha256:${createHash('sha256').update(plaintext, 'utf8').digest('hex').slice(0, 12)}`;
}
