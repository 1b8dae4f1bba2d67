// Local stand-ins of the platforms' APIs under `npm run dev` only. While `npm run simulate`
// serves them it writes where they listen, and a cron secret of its own, to
// .data/dev-stand-ins.json. A development server (NODE_ENV=development, which `next start` never
// is) reads the base URLs of the variables it has no value for from there, and accepts that
// secret on the cron routes while CRON_SECRET is unset. Anything configured wins; a missing,
// malformed or expired file counts as none, so a simulator that died leaves nothing behind.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

type Env = Readonly<Record<string, string | undefined>>;

/** Relative to the project directory, where both `npm run dev` and `npm run simulate` run. */
export const DEV_STAND_INS_FILE = path.join('.data', 'dev-stand-ins.json');
/** The base URL variables a stand-in may take over (the social platforms' insights and proofs). */
export const DEV_STAND_IN_VARS = ['META_GRAPH_BASE_URL', 'LINKEDIN_API_BASE_URL'] as const;
const MAX_FILE_BYTES = 4096;

const loopbackUrl = z
  .string()
  .max(200)
  .refine((value) => {
    // Only this machine: the file must never send a token anywhere else.
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  }, 'a loopback http URL');

export const devStandInsSchema = z.strictObject({
  base_urls: z.partialRecord(z.enum(DEV_STAND_IN_VARS), loopbackUrl),
  cron_secret: z.string().min(32).max(200).nullable(),
  expires_at: z.iso.datetime(),
});
export type DevStandIns = z.infer<typeof devStandInsSchema>;

/** What the file says, for a development server only; null anywhere else. */
export function devStandIns(env: Env = process.env, cwd = process.cwd(), now = Date.now()): DevStandIns | null {
  if (env.NODE_ENV !== 'development') return null;
  let text: string;
  try {
    text = readFileSync(path.join(cwd, DEV_STAND_INS_FILE), 'utf8');
  } catch {
    return null;
  }
  if (text.length > MAX_FILE_BYTES) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = devStandInsSchema.safeParse(json);
  if (!parsed.success || Date.parse(parsed.data.expires_at) <= now) return null;
  return parsed.data;
}

/** The stand-in's base URL for `name`, when a development server has no value of its own for it. */
export function devStandInBaseUrl(env: Env, name: string, cwd = process.cwd()): string | null {
  if (!(DEV_STAND_IN_VARS as readonly string[]).includes(name) || env[name]?.trim()) return null;
  return devStandIns(env, cwd)?.base_urls[name as (typeof DEV_STAND_IN_VARS)[number]] ?? null;
}

/** The cron secret: CRON_SECRET, else (development server only) the simulator's. */
export function cronSecret(env: Env = process.env, cwd = process.cwd()): string | null {
  return env.CRON_SECRET || devStandIns(env, cwd)?.cron_secret || null;
}
