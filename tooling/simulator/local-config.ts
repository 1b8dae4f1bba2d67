// What the CLI tools need from the developer's machine: the app's variables (.env.local, .env,
// the environment), a SendGrid test key pair, and an access token for the dev workspace.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEV_JWT_SECRET } from '../../src/lib/auth/tokens';
import { mintAccessToken } from '../auth/tokens';
import { DEV_USER_ID } from '../../src/lib/db/dev-seed';
import type { EnvBag } from '../../src/lib/decision-circuits/metrics/providers/kit/provider';
import { generateSendGridKeyPair } from '../signing';
import { signingKeysFromEnv, type SigningKeys } from './request-signing';

/** Where the generated SendGrid private key lives (.data/ is git-ignored). */
export const SENDGRID_TEST_KEY_FILE = path.join('.data', 'sendgrid-test-key.pem');

/** `KEY=value` lines (optional `export`, quotes, `#` comments), as Next.js reads .env files. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match?.[1]) continue;
    let value = match[2] ?? '';
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, '\n');
    } else {
      value = value.replace(/\s+#.*$/, '').trim();
    }
    out[match[1]] = value;
  }
  return out;
}

/** The variables the app sees: the environment over .env.local over .env (Next.js precedence). */
export function loadAppEnv(cwd = process.cwd(), env: EnvBag = process.env): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = {};
  for (const file of ['.env', '.env.local']) {
    const full = path.join(cwd, file);
    if (existsSync(full)) Object.assign(merged, parseEnvFile(readFileSync(full, 'utf8')));
  }
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') merged[key] = value;
  return merged;
}

/** Base64 DER SPKI of a private key's public half: the form SendGrid shows and the app takes. */
export function publicKeyOf(privateKeyPem: string): string {
  return createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'der' }).toString('base64');
}

function normalizeKey(value: string): string {
  return value.replace(/-----[^-]+-----/g, '').replace(/\\n|\s/g, '');
}

export interface LocalSigning {
  keys: SigningKeys;
  /** Lines to show the user (what is configured, what to add to .env.local). */
  notes: string[];
}

/**
 * Signing keys for the sender. SendGrid: ECDSA with the saved test key when the app's public key
 * is that key's (or no SendGrid secret is configured at all: then a key pair is generated once and
 * its public key printed); else the HMAC secret if set.
 */
export function localSigningKeys(env: EnvBag, options: { cwd?: string; generateSendGridKey?: boolean } = {}): LocalSigning {
  const cwd = options.cwd ?? process.cwd();
  const notes: string[] = [];
  const keyFile = path.join(cwd, SENDGRID_TEST_KEY_FILE);
  const configuredPublic = env.SENDGRID_WEBHOOK_PUBLIC_KEY?.trim() || null;
  const hmac = env.SENDGRID_WEBHOOK_SECRET?.trim() || null;
  let privateKey = existsSync(keyFile) ? readFileSync(keyFile, 'utf8') : null;

  let sendgridKey: string | null = null;
  if (configuredPublic) {
    if (privateKey && normalizeKey(publicKeyOf(privateKey)) === normalizeKey(configuredPublic)) {
      sendgridKey = privateKey;
    } else if (!hmac) {
      notes.push(
        `SendGrid: SENDGRID_WEBHOOK_PUBLIC_KEY is set but ${SENDGRID_TEST_KEY_FILE} is not its private key, so events cannot be signed validly (expect 401).`,
        '  Remove that line from .env.local (a test key is then generated), or set SENDGRID_WEBHOOK_SECRET to sign with HMAC.',
      );
    }
  } else if (!hmac && options.generateSendGridKey !== false) {
    if (!privateKey) {
      privateKey = generateSendGridKeyPair().privateKey;
      mkdirSync(path.dirname(keyFile), { recursive: true });
      writeFileSync(keyFile, privateKey, { mode: 0o600 });
      notes.push(`SendGrid: generated a P-256 test key pair; private key saved to ${SENDGRID_TEST_KEY_FILE}.`);
    }
    notes.push(
      'SendGrid: the app has no SendGrid key, so it accepts these events unsigned (dev only). To verify signatures, add to .env.local and restart the app:',
      `  SENDGRID_WEBHOOK_PUBLIC_KEY=${publicKeyOf(privateKey)}`,
    );
    sendgridKey = privateKey;
  }
  return { keys: signingKeysFromEnv(env, sendgridKey), notes };
}

/**
 * A Bearer token for the read/attribution APIs: `token` as given, else one minted like
 * `npm run token` (SUPABASE_JWT_SECRET, or the embedded dev secret) for `userId`.
 */
export async function accessToken(env: EnvBag, options: { token?: string | null; userId?: string } = {}): Promise<string> {
  if (options.token) return options.token;
  const secret = env.SUPABASE_JWT_SECRET?.trim() || DEV_JWT_SECRET;
  return mintAccessToken({ sub: options.userId ?? DEV_USER_ID }, { secret, expiresIn: '2h' });
}
