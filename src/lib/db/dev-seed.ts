import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ScriptQueryable } from './types';

// The ids supabase/seed.sql creates: fixed, so a minted dev token keeps working across restarts.
export const DEV_WORKSPACE_ID = '00000000-0000-4000-8000-00000000d001';
export const DEV_USER_ID = '00000000-0000-4000-8000-00000000e001';
export const DEV_USER_EMAIL = 'dev@localhost';
/** A second workspace with its own member: what the dev user must never see. */
export const OTHER_WORKSPACE_ID = '00000000-0000-4000-8000-00000000d002';
export const OTHER_USER_ID = '00000000-0000-4000-8000-00000000e002';

export const SEED_FILE = path.join(/*turbopackIgnore: true*/ process.cwd(), 'supabase', 'seed.sql');

/** Applies supabase/seed.sql (idempotent), as `supabase db reset` would. */
export async function seedDevWorkspace(db: ScriptQueryable, seedFile = SEED_FILE): Promise<void> {
  await db.exec(await readFile(/*turbopackIgnore: true*/ seedFile, 'utf8'));
}
