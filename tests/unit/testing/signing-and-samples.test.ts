import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findProviderSecret, verifyWebhookSignature } from '../../../src/lib/decision-circuits/metrics/metrics-signatures';
import { answerHandshake } from '../../../src/lib/decision-circuits/metrics/delivery/webhook';
import { normalizeProviderEvents } from '../../../src/lib/decision-circuits/metrics/ingest/normalize';
import { EVENT_TYPE_TO_ROLLUP_COLUMN } from '../../../src/lib/decision-circuits/metrics/metrics-types';
import { METRICS_PROVIDERS } from '../../../src/lib/decision-circuits/metrics/providers/registry';
import { generateSendGridKeyPair } from '../../../tooling/signing';
import {
  SAMPLE_KINDS,
  SENDGRID_TEST_KEY_FILE,
  UNSIGNED,
  buildSampleDelivery,
  createRng,
  handshakeRequest,
  loadAppEnv,
  localSigningKeys,
  parseEnvFile,
  publicKeyOf,
  resolveSampleKind,
  signedWebhookRequest,
  signingKeysFromEnv,
} from '../../../tooling/simulator';
import { DEV_WORKSPACE_ID } from '../../../src/lib/db/dev-seed';
import { TEST_SECRETS } from '../../helpers/server';

// The same provider secrets the HTTP suites give the server under test.
const SECRETS = TEST_SECRETS;
const WORKSPACE = DEV_WORKSPACE_ID;

describe('sample deliveries', () => {
  it.each(METRICS_PROVIDERS)('for %s: every kind reads back through the app as the counters it promises', (provider) => {
    for (const kind of SAMPLE_KINDS[provider]) {
      const sample = buildSampleDelivery(provider, kind, { seed: `s-${kind}` });
      const result = normalizeProviderEvents(provider, JSON.parse(sample.body), {
        receivedAt: new Date(),
        deliveryId: sample.deliveryId,
        storeRawEmail: false,
      });
      expect(result.rejected, `${provider} ${kind}`).toEqual([]);
      const got = result.events.map((e) => ({
        counter: e.event_type === 'provider_only' || e.provider_object_id === null ? null : EVENT_TYPE_TO_ROLLUP_COLUMN[e.event_type],
        quantity: e.event_type === 'provider_only' || e.provider_object_id === null ? 1 : e.quantity,
      }));
      expect(got, `${provider} ${kind}`).toEqual(sample.expected.map(({ counter, quantity }) => ({ counter, quantity })));
    }
  });

  it('reuses a given object id and carries self-attribution as custom args / tags', () => {
    const attribution = { circuit_execution_id: 'cx_demo', ab_test_id: '22222222-2222-4222-8222-222222222222' };
    const sendgrid = buildSampleDelivery('sendgrid', 'open', { objectId: 'Xk3pQ2mTR0a9dLw1bYcZfg', attribution });
    const [event] = normalizeProviderEvents('sendgrid', JSON.parse(sendgrid.body), { receivedAt: new Date(), storeRawEmail: false }).events;
    expect(event?.provider_object_id).toBe('Xk3pQ2mTR0a9dLw1bYcZfg');
    expect(event?.attribution).toEqual({ ...attribution, variant_id: null });
    const resend = buildSampleDelivery('resend', 'email.clicked', { objectId: 'abc', attribution });
    expect(JSON.parse(resend.body).data).toMatchObject({ email_id: 'abc', tags: expect.anything() });
  });

  it('understands the words a user types for an event', () => {
    expect(resolveSampleKind('sendgrid', 'opened')).toBe('open');
    expect(resolveSampleKind('resend', 'delivered')).toBe('email.delivered');
    expect(resolveSampleKind('resend', 'unsubscribed')).toBe('contact.updated');
    expect(resolveSampleKind('linkedin', 'like')).toBe('LIKE');
    expect(resolveSampleKind('facebook', 'comment')).toBe('comment');
    expect(resolveSampleKind('instagram', 'nonsense')).toBeNull();
  });
});

describe('signedWebhookRequest', () => {
  it.each(METRICS_PROVIDERS)('signs %s so that the app verifies it with its configured secret', (provider) => {
    const sample = buildSampleDelivery(provider, SAMPLE_KINDS[provider][0]!, { seed: 'sig' });
    const request = signedWebhookRequest({
      baseUrl: 'http://localhost:3000',
      workspaceId: WORKSPACE,
      provider,
      body: sample.body,
      keys: signingKeysFromEnv(SECRETS),
      deliveryId: sample.deliveryId,
    });
    expect(request.url).toBe(`http://localhost:3000/api/webhooks/metrics?provider=${provider}&workspace_id=${WORKSPACE}`);
    expect(request.signature).not.toBe(UNSIGNED);
    const result = verifyWebhookSignature(provider, request.headers, request.body, findProviderSecret(provider, SECRETS));
    expect(result).toMatchObject({ valid: true });
  });

  it('signs SendGrid with ECDSA when given the private key of the configured public key', () => {
    const pair = generateSendGridKeyPair();
    const request = signedWebhookRequest({
      baseUrl: 'http://x',
      workspaceId: WORKSPACE,
      provider: 'sendgrid',
      body: '[{"event":"open"}]\r\n',
      keys: signingKeysFromEnv({}, pair.privateKey),
    });
    const secret = findProviderSecret('sendgrid', { SENDGRID_WEBHOOK_PUBLIC_KEY: pair.publicKey });
    expect(verifyWebhookSignature('sendgrid', request.headers, request.body, secret)).toMatchObject({
      valid: true,
      scheme: 'ecdsa-p256-sha256',
    });
  });

  it('sends unsigned without a secret, but keeps the svix-id Resend dedups on', () => {
    const request = signedWebhookRequest({
      baseUrl: 'http://x',
      workspaceId: WORKSPACE,
      provider: 'resend',
      body: '{}',
      keys: signingKeysFromEnv({}),
      deliveryId: 'msg_1',
    });
    expect(request.signature).toBe(UNSIGNED);
    expect(request.headers['svix-id']).toBe('msg_1');
    expect(request.headers['svix-signature']).toBeUndefined();
  });

  it('builds the handshakes Meta and LinkedIn send, answered as the app answers them', () => {
    const keys = signingKeysFromEnv(SECRETS);
    for (const provider of ['facebook', 'instagram', 'linkedin'] as const) {
      const handshake = handshakeRequest({ baseUrl: 'http://x', workspaceId: WORKSPACE, provider, keys, rng: createRng(provider) });
      const answer = answerHandshake(provider, new URL(handshake.url).searchParams, SECRETS);
      expect({ status: answer?.status, body: answer?.body }).toEqual({ status: handshake.expectedStatus, body: handshake.expectedBody });
    }
    const unconfigured = handshakeRequest({
      baseUrl: 'http://x',
      workspaceId: WORKSPACE,
      provider: 'facebook',
      keys: signingKeysFromEnv({}),
      rng: createRng(1),
    });
    expect(answerHandshake('facebook', new URL(unconfigured.url).searchParams, {})?.status).toBe(unconfigured.expectedStatus);
  });
});

describe('local configuration', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sim-config-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('reads .env files like Next.js: the environment over .env.local over .env', () => {
    expect(parseEnvFile('# c\nexport A=1\nB="two words"\nC=x # note\nD=\n')).toEqual({ A: '1', B: 'two words', C: 'x', D: '' });
    const dir = tempDir();
    writeFileSync(path.join(dir, '.env'), 'A=env\nB=env\nC=env\n');
    writeFileSync(path.join(dir, '.env.local'), 'B=local\nC=local\n');
    expect(loadAppEnv(dir, { C: 'process', D: '' })).toMatchObject({ A: 'env', B: 'local', C: 'process' });
  });

  it('generates a SendGrid test key once, says what to configure, and signs with it', () => {
    const dir = tempDir();
    const first = localSigningKeys({}, { cwd: dir });
    const pem = readFileSync(path.join(dir, SENDGRID_TEST_KEY_FILE), 'utf8');
    expect(first.keys.sendgridPrivateKey).toBe(pem);
    expect(first.notes.join('\n')).toContain(`SENDGRID_WEBHOOK_PUBLIC_KEY=${publicKeyOf(pem)}`);
    const configured = localSigningKeys({ SENDGRID_WEBHOOK_PUBLIC_KEY: publicKeyOf(pem) }, { cwd: dir });
    expect(configured.keys.sendgridPrivateKey).toBe(pem);
    expect(configured.notes).toEqual([]);
  });

  it('falls back to the HMAC secret, and warns when the configured public key is not ours', () => {
    const dir = tempDir();
    const hmac = localSigningKeys({ SENDGRID_WEBHOOK_SECRET: 'h' }, { cwd: dir }).keys;
    expect(hmac.secrets.sendgrid).toBe('h');
    expect(hmac.sendgridPrivateKey).toBeNull();
    const foreign = localSigningKeys({ SENDGRID_WEBHOOK_PUBLIC_KEY: generateSendGridKeyPair().publicKey }, { cwd: dir });
    expect(foreign.keys.sendgridPrivateKey).toBeNull();
    expect(foreign.keys.secrets.sendgrid).toBeUndefined();
    expect(foreign.notes.join('\n')).toMatch(/not its private key/);
  });
});
