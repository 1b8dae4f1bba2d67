// Every script under scripts/ and every benchmark under bench/ as a user runs it: --help answers,
// a wrong flag is one clear message (no stack trace) with exit code 2, neither does any work (no
// build, no database), and webhook:send never reports a refused delivery as counted.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPTS = [
  ...readdirSync(path.join(process.cwd(), 'scripts'))
    .filter((f) => /\.(ts|mjs)$/.test(f))
    .map((f) => `scripts/${f}`),
  ...readdirSync(path.join(process.cwd(), 'bench'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `bench/${f}`),
];
const TSX = path.join(process.cwd(), 'node_modules', '.bin', 'tsx');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function runScript(file: string, args: string[]): Promise<Outcome> {
  const [command, argv] = file.endsWith('.mjs') ? [process.execPath, [file, ...args]] : [TSX, [file, ...args]];
  return new Promise((resolve) => {
    execFile(command, argv, { timeout: 30_000, env: { ...process.env, DATABASE_URL: '' } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const STACK_FRAME = /^\s+at .+[:(]\d+/m;

describe.each(SCRIPTS)('%s', (file) => {
  it('answers --help with its usage and exit code 0', async () => {
    const { code, stdout, stderr } = await runScript(file, ['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: /);
    // Nothing ran before the usage: no build started, no database opened or created.
    expect(`${stdout}${stderr}`).not.toMatch(/Creating an optimized|rebuilding|No build yet|Applied:/);
  });

  it('refuses an unknown flag with one clear message, the usage and exit code 2', async () => {
    const { code, stdout, stderr } = await runScript(file, ['--no-such-flag']);
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown option '--no-such-flag'");
    expect(stderr).toContain('Usage: ');
    expect(stderr).not.toMatch(STACK_FRAME);
    expect(stdout).toBe('');
  });
});

describe('webhook:send against an app that refuses the delivery', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = createServer((_request, response) =>
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('says nothing was counted and exits 1 after a 404', async () => {
    const { code, stdout, stderr } = await runScript('scripts/webhook-send.ts', [
      '--provider',
      'sendgrid',
      '--event',
      'delivered',
      '--url',
      url,
    ]);
    expect(code).toBe(1);
    expect(stdout).toContain('← 404');
    expect(stderr).toContain('Not recorded: the app answered 404. Nothing was counted.');
    expect(stdout).not.toMatch(/\+1/);
  });
});
