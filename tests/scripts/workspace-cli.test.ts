// The self-hoster's path without Supabase Auth: workspace:create and member:add against a real
// (embedded) database, printing what they did; the last owner stays an owner.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase } from '../../src/lib/db';

const TSX = path.join(process.cwd(), 'node_modules', '.bin', 'tsx');
const dataRoot = mkdtempSync(path.join(tmpdir(), 'workspace-cli-'));
const dataDir = path.join(dataRoot, 'pglite');

function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      [`scripts/${script}`, ...args],
      { timeout: 60_000, env: { ...process.env, DATABASE_URL: '', PGLITE_DATA_DIR: dataDir, NODE_ENV: 'development' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('workspace:create and member:add', () => {
  afterAll(() => rmSync(dataRoot, { recursive: true, force: true }));

  it('create a workspace with its owner, add an admin, and refuse to demote the last owner', { timeout: 120_000 }, async () => {
    const [owner, admin] = [randomUUID(), randomUUID()];
    const created = await run('workspace-create.ts', ['--name', 'Acme Marketing', '--owner', owner]);
    expect(created.code, created.stderr).toBe(0);
    const workspace = created.stdout.trim();
    expect(workspace).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.stderr).toContain(`Created workspace "Acme Marketing" ${workspace}, owned by ${owner}`);

    const added = await run('member-add.ts', ['--workspace', workspace, '--user', admin, '--role', 'admin']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toContain(`${admin} is now admin of workspace ${workspace}`);

    const demoted = await run('member-add.ts', ['--workspace', workspace, '--user', owner, '--role', 'viewer']);
    expect(demoted.code).toBe(1);
    expect(demoted.stderr).toContain('Member not added: a workspace keeps at least one owner');
    expect(demoted.stderr).not.toMatch(/^\s+at /m);

    const badRole = await run('member-add.ts', ['--workspace', workspace, '--user', admin, '--role', 'superuser']);
    expect(badRole.code).toBe(2);

    const db = await createPgliteDatabase(dataDir);
    try {
      const members = await db.query<{ user_id: string; role: string }>(
        'select user_id, role from workspace_members where workspace_id = $1 order by role',
        [workspace],
      );
      expect(members).toEqual([
        { user_id: admin, role: 'admin' },
        { user_id: owner, role: 'owner' },
      ]);
    } finally {
      await db.close();
    }
  });
});
