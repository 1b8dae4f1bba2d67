// The documented commands the walk runs (tests/walk), checked where no database is at hand: every
// `bash` block of the walked docs can run as written (each placeholder is a variable the reader
// supplies), every block left out says why, and every step a deployment needs is still there.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REQUIRED_STEPS, WALKED_DOCS, parseDocBlocks, walkedDocBlocks, where } from '../walk/doc-blocks';
import { commandPart, expectedOutput, missingOutput, prepareBlock, suppliedNames } from '../walk/walk-shell';

const blocks = walkedDocBlocks(process.cwd());

describe('the walked docs', () => {
  it('have no placeholder a reader could not run, outside the lines that ask the reader for it', () => {
    const problems: string[] = [];
    for (const block of blocks.filter((b) => !b.notWalked)) {
      const env = Object.fromEntries(suppliedNames(block).map((name) => [name, 'value']));
      try {
        prepareBlock(block, env);
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    expect(problems).toEqual([]);
  });

  it('document every step a deployment needs, each walked', () => {
    const walked = new Set(blocks.filter((b) => !b.notWalked).map((b) => b.step));
    expect(REQUIRED_STEPS.filter((step) => !walked.has(step))).toEqual([]);
  });

  it('name each step once', () => {
    const named = blocks.flatMap((b) => (b.step ? [b.step] : []));
    expect(named.filter((step, i) => named.indexOf(step) !== i)).toEqual([]);
  });

  it('open and close every fence on a line of its own (text after a closing fence reopens a block)', () => {
    const odd = WALKED_DOCS.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (/^\s*(`{3,}|~{3,})[^`\s]*\s+\S/.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(odd).toEqual([]);
  });

  it('say why a block is not walked', () => {
    for (const block of blocks.filter((b) => b.notWalked !== null)) expect(block.notWalked!.length, where(block)).toBeGreaterThan(10);
  });
});

describe('reading a document', () => {
  const doc = [
    '# Title',
    '<!-- walk: first -->',
    '```bash',
    "export URL='https://<your domain>'",
    'read -rs SECRET; export SECRET',
    'curl "$URL/<path>"   # ← 200 … ok (or an error)',
    '```',
    '',
    '<!-- not walked: needs a terminal -->',
    '',
    '```bash',
    'npm run dev',
    '```',
    '```json',
    '{"a": 1}',
    '```',
  ].join('\n');
  const parsed = parseDocBlocks('doc.md', doc);

  it('finds each fenced block with its line, info string, step name and reason', () => {
    expect(parsed.map((b) => [b.line, b.info, b.step, b.notWalked])).toEqual([
      [3, 'bash', 'first', null],
      [11, 'bash', null, 'needs a terminal'],
      [14, 'json', null, null],
    ]);
  });

  it('asks the reader for what the block asks, and refuses any other placeholder', () => {
    const [first] = parsed;
    expect(suppliedNames(first!)).toEqual(['URL', 'SECRET']);
    expect(() => prepareBlock(first!, { URL: 'u', SECRET: 's' })).toThrow(/doc\.md:6: <path> cannot be run as written/);
    expect(() => prepareBlock(parseDocBlocks('d.md', "```bash\nexport URL='<x>'\n```")[0]!, {})).toThrow(/walk has no value/);
  });

  it('reads the expected output from "# ←" comments, in order', () => {
    expect(expectedOutput(parsed[0]!)).toEqual(['200', 'ok']);
    expect(missingOutput(['200', 'ok'], '← 200 … ok')).toEqual([]);
    expect(missingOutput(['200', 'ok'], 'ok then 200')).toEqual(['ok']);
  });

  it('tells a comment from a # inside quotes', () => {
    expect(commandPart(`echo "a # b" 'c # d' # e`)).toBe(`echo "a # b" 'c # d' `);
    expect(commandPart('curl "$URL#frag"')).toBe('curl "$URL#frag"');
  });
});
