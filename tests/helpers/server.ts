// The real HTTP server under test: `next start` on a free loopback port, with its own env.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestServer {
  url: string;
  port: number;
  process: ChildProcess;
  /** Output so far, for failure messages. */
  logs(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export const TEST_SECRETS = {
  SENDGRID_WEBHOOK_SECRET: 'test-sendgrid-hmac-secret',
  RESEND_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  MAILGUN_WEBHOOK_SIGNING_KEY: 'test-mailgun-signing-key',
  FACEBOOK_WEBHOOK_SECRET: 'test-facebook-app-secret',
  INSTAGRAM_WEBHOOK_SECRET: 'test-instagram-app-secret',
  LINKEDIN_WEBHOOK_SECRET: 'test-linkedin-client-secret',
  META_WEBHOOK_VERIFY_TOKEN: 'test-verify-token',
  SUPABASE_JWT_SECRET: 'test-jwt-secret-at-least-32-characters-long',
  CRON_SECRET: 'test-cron-secret',
  // A fixed 32-byte key (base64 of "test-encryption-key-32-bytes-ok!"): connections' secrets at rest.
  METRICS_ENCRYPTION_KEYS: 'test1:dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy1vayE=',
} as const;

/**
 * Starts the built app. Without DATABASE_URL in env it uses a fresh embedded PGlite directory
 * (removed on stop). Waits until the health route answers. `port` when the caller must know the
 * address before the server starts (METRICS_PUBLIC_URL); else a free one.
 */
export async function startServer(
  env: Record<string, string> = {},
  options: {
    port?: number;
    /** A migrated embedded data directory to start on a copy of (skips initdb and the migrations). */ pgliteTemplate?: string;
  } = {},
): Promise<TestServer> {
  const port = options.port ?? (await freePort());
  const dataDir = env.DATABASE_URL ? null : mkdtempSync(path.join(tmpdir(), 'metrics-pglite-'));
  if (dataDir && options.pgliteTemplate) cpSync(options.pgliteTemplate, path.join(dataDir, 'pglite'), { recursive: true });
  const child = spawn(
    process.execPath,
    [path.join(process.cwd(), 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-p', String(port), '-H', '127.0.0.1'],
    {
      env: {
        ...process.env,
        ...TEST_SECRETS,
        NODE_ENV: 'production',
        NEXT_TELEMETRY_DISABLED: '1',
        // next start is production: the embedded database there is an explicit opt-in.
        ...(dataDir ? { PGLITE_DATA_DIR: path.join(dataDir, 'pglite'), DATABASE_URL: '', METRICS_EMBEDDED_DATABASE: 'true' } : {}),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    try {
      const response = await fetch(`${url}/api/webhooks/metrics`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    url,
    port,
    process: child,
    logs: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
