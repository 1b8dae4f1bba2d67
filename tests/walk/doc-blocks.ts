// The documented shell steps, read from the docs themselves, so a walk of them cannot drift from
// what a reader sees. A fenced block with the `bash` info string is a step the walk runs, in
// document order; an HTML comment on the line before it may name the step or exclude it:
//   <!-- walk: <step name> -->             the walk runs it, and checks the step exists by name
//   <!-- not walked: <reason> -->          shown to readers as any other block, listed with its reason
// Blocks with any other info string (output, JSON, YAML, SQL shown for reading) are not steps.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The documents whose every command the walk runs, in the order a reader meets them: the README,
 * then the deployment, then what it links to. */
export const WALKED_DOCS = ['README.md', 'docs/deploy.md', 'docs/providers.md', 'docs/operations.md', 'docs/try-it.md'] as const;

/** The steps a deployment cannot do without: each must stay documented, under its `<!-- walk: name -->`. */
export const REQUIRED_STEPS = ['schema', 'workspace', 'connections', 'check', 'first-event', 'rollups'] as const;

export interface DocBlock {
  /** Repository-relative file and 1-based line of the opening fence. */
  file: string;
  line: number;
  info: string;
  code: string;
  /** The `<!-- walk: name -->` step name, if any. */
  step: string | null;
  /** Why the walk does not run it, for a `bash` block marked `<!-- not walked: … -->`. */
  notWalked: string | null;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/;
const WALK_MARK = /^<!--\s*walk:\s*([a-z0-9][a-z0-9-]*)\s*-->\s*$/;
const NOT_WALKED_MARK = /^<!--\s*not walked:\s*(.+?)\s*-->\s*$/;

export function parseDocBlocks(file: string, markdown: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j += 1) {
      const line = lines[j]!;
      if (line.trimStart().startsWith(fence!) && line.trim() === line.trim().replace(/[^`~]/g, '')) break;
      body.push(indent && line.startsWith(indent!) ? line.slice(indent!.length) : line);
    }
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k -= 1;
    const previous = k >= 0 ? lines[k]!.trim() : '';
    blocks.push({
      file,
      line: i + 1,
      info: info ?? '',
      code: body.join('\n'),
      step: WALK_MARK.exec(previous)?.[1] ?? null,
      notWalked: NOT_WALKED_MARK.exec(previous)?.[1] ?? null,
    });
    i = j;
  }
  return blocks;
}

/** Every `bash` block of the walked documents, in walk order. */
export function walkedDocBlocks(root: string): DocBlock[] {
  return WALKED_DOCS.flatMap((file) =>
    parseDocBlocks(file, readFileSync(path.join(root, file), 'utf8')).filter((block) => block.info === 'bash'),
  );
}

/** `file:line` of a block, for messages. */
export function where(block: DocBlock): string {
  return `${block.file}:${block.line}`;
}
