// Runs one documented block as written, in bash, the way a reader pastes it into one terminal:
// variables set by a block (exported or not) are there for the next one. What a reader supplies
// themselves (a `read -rs NAME` prompt, an `export NAME='…<placeholder>…'` line) comes from the
// walk's own environment instead; any other `<placeholder>` left in a command fails the walk.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { where, type DocBlock } from './doc-blocks';

const PLACEHOLDER = /<[A-Za-z][^<>\n]*>/;
const READ_SECRET = /^\s*read\s+-rs?\s+([A-Z_][A-Z0-9_]*)\s*(;\s*export\s+\1\s*)?(#.*)?$/;
const ASSIGN = /^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/;
/** Bash's own bookkeeping, not state a block hands to the next. */
const SHELL_VARIABLES = new Set(['_', 'SHLVL', 'PWD', 'OLDPWD', 'WALK_STATE']);

/** The line without its comment (a `#` outside quotes, at the start or after a space). */
export function commandPart(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') i += 1;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i += 1;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

/** The variable a line asks the reader for (a `read -rs` prompt, an assignment of a `<placeholder>`), or null. */
function askedFor(line: string): string | null {
  const read = READ_SECRET.exec(line);
  if (read) return read[1]!;
  const assign = ASSIGN.exec(commandPart(line));
  return assign && PLACEHOLDER.test(assign[2]!) ? assign[1]! : null;
}

/** Every variable the block asks the reader for, in order. */
export function suppliedNames(block: DocBlock): string[] {
  return [...new Set(block.code.split('\n').flatMap((line) => askedFor(line) ?? []))];
}

export interface PreparedBlock {
  script: string;
  /** Variables the reader supplies, taken from the walk's environment. */
  supplied: string[];
}

/** The block as bash will run it, or an error naming what a reader could not run as written. */
export function prepareBlock(block: DocBlock, env: Record<string, string | undefined>): PreparedBlock {
  const supplied: string[] = [];
  const lines = block.code.split('\n').map((line, index) => {
    const at = `${block.file}:${block.line + 1 + index}`;
    const supply = (name: string): string => {
      if (!env[name]) throw new Error(`${at}: the reader supplies $${name} here, and the walk has no value for it`);
      supplied.push(name);
      return `export ${name}  # supplied by the walk`;
    };
    const asked = askedFor(line);
    if (asked) return supply(asked);
    const placeholder = PLACEHOLDER.exec(commandPart(line));
    if (placeholder)
      throw new Error(`${at}: ${placeholder[0]} cannot be run as written; write it as a variable the docs define (${line.trim()})`);
    return line;
  });
  return { script: lines.join('\n'), supplied };
}

/**
 * What the block's `# ← …` comments say the reader will see, as fragments in order: the text
 * between `…` separators, without a closing parenthetical remark.
 */
export function expectedOutput(block: DocBlock): string[] {
  return block.code.split('\n').flatMap((line) => {
    const at = line.indexOf('# ←');
    if (at < 0) return [];
    const said = line
      .slice(at + 3)
      .replace(/\s*\([^)]*\)\s*$/, '')
      .trim();
    return said
      .split('…')
      .map((fragment) => fragment.trim())
      .filter(Boolean);
  });
}

/** The expected fragments the output does not show, in order (each searched after the previous one). */
export function missingOutput(expected: string[], output: string): string[] {
  const missing: string[] = [];
  let from = 0;
  for (const fragment of expected) {
    const at = output.indexOf(fragment, from);
    if (at < 0) missing.push(fragment);
    else from = at + fragment.length;
  }
  return missing;
}

export interface BlockRun {
  block: DocBlock;
  status: number | null;
  output: string;
  env: Record<string, string>;
  supplied: string[];
  ms: number;
}

/** Runs a block in bash with `set -euo pipefail`; answers its output and the environment it leaves. */
export async function runBlock(
  block: DocBlock,
  options: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<BlockRun> {
  const { script, supplied } = prepareBlock(block, options.env);
  const stateDir = mkdtempSync(path.join(tmpdir(), 'docs-walk-state-'));
  const stateFile = path.join(stateDir, 'env');
  const started = Date.now();
  try {
    const wrapped = `set -euo pipefail\nset -a\n${script}\nset +a\nenv -0 > "$WALK_STATE"\n`;
    const child = spawn('bash', ['-c', wrapped, `walk ${where(block)}`], {
      cwd: options.cwd,
      // A reader's shell has no NODE_ENV: the type says otherwise only for the app's own process.
      env: { ...options.env, WALK_STATE: stateFile } as unknown as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += `\n[the walk stopped this block after ${options.timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    const status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    clearTimeout(timer);
    const env = { ...options.env };
    if (status === 0) {
      for (const entry of readFileSync(stateFile, 'utf8').split('\0')) {
        const eq = entry.indexOf('=');
        if (eq <= 0) continue;
        const name = entry.slice(0, eq);
        if (!SHELL_VARIABLES.has(name)) env[name] = entry.slice(eq + 1);
      }
    }
    return { block, status, output, env, supplied, ms: Date.now() - started };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}
