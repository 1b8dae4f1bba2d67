// A request body's bytes as JSON: refused (400) when it is not UTF-8 JSON or nests too deeply,
// and made storable. Read after the signature was checked on the bytes, so the webhook use case
// calls it too, below the HTTP layer.
import { AppError } from '../errors/app-error';
import { storableJson } from './storable';

/** Deeper than any provider payload (they nest < 10 levels); JSON.stringify overflows near 5,000. */
export const MAX_JSON_DEPTH = 64;

/** True when arrays/objects in the JSON text nest deeper than `limit` (strings are skipped). */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Jump to the closing quote with indexOf (native): a batch is mostly string contents, and
      // stepping through them one character at a time cost more than JSON.parse itself.
      for (;;) {
        const close = text.indexOf('"', i + 1);
        if (close < 0) return false; // unterminated: JSON.parse refuses it
        i = close;
        // Escaped when an odd run of backslashes precedes it (runs are disjoint: linear overall).
        let backslashes = 0;
        for (let j = close - 1; text.charCodeAt(j) === 0x5c; j -= 1) backslashes += 1;
        if (backslashes % 2 === 0) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth -= 1;
    }
  }
  return false;
}

// One decoder for every request: decode() without { stream } keeps no state between calls.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON.parse with a 400 instead of a SyntaxError; also 400 for nesting past MAX_JSON_DEPTH, and
 * characters PostgreSQL cannot store are replaced by U+FFFD (signatures were checked on the bytes).
 */
export function parseJsonBody(raw: Uint8Array): unknown {
  let text: string;
  try {
    text = strictUtf8.decode(raw);
  } catch {
    throw new AppError('invalid_request', 'Malformed JSON body');
  }
  // Checked before parsing, so a 5 MB "[[[[…" is refused without building it.
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new AppError('invalid_request', `JSON body nested too deeply: limit is ${MAX_JSON_DEPTH} levels`, { max_depth: MAX_JSON_DEPTH });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('invalid_request', 'Malformed JSON body');
  }
  return storableJson(text, value);
}
