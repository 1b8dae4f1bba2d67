import { storableJson } from '../json/storable';
import { AppError, isAppError } from './errors';

/**
 * Reads the raw body as bytes, stopping at maxBytes: a declared or actual size past the cap
 * answers 413 without buffering the rest. Signatures are verified on exactly these bytes.
 */
export async function readRawBody(request: Request, maxBytes: number, timeoutMs = 10_000): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new AppError('payload_too_large', `Payload too large: limit is ${maxBytes} bytes`, { limit_bytes: maxBytes });
  }
  if (!request.body) return new Uint8Array(0);

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timedOut = false;
  // A slow sender must not hold a request (and its memory) open forever.
  const deadline = setTimeout(() => {
    timedOut = true;
    void reader.cancel('body read timeout');
  }, timeoutMs);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (timedOut) throw new AppError('request_timeout', 'Request body could not be read in time');
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel('payload too large');
        throw new AppError('payload_too_large', `Payload too large: limit is ${maxBytes} bytes`, { limit_bytes: maxBytes });
      }
      chunks.push(value);
    }
  } catch (error) {
    if (isAppError(error)) throw error;
    throw new AppError('request_timeout', 'Request body could not be read in time');
  } finally {
    clearTimeout(deadline);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

export function requireJsonContentType(request: Request): void {
  const type = request.headers.get('content-type') ?? '';
  const mediaType = type.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType !== 'application/json' && !mediaType.endsWith('+json')) {
    throw new AppError('unsupported_media_type', 'Content-Type must be application/json', { received_content_type: type || null });
  }
}

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

/** Content type, size cap and JSON parse in one step, for the non-webhook JSON routes. */
export async function readJsonBody(request: Request, maxBytes = 1024 * 1024): Promise<unknown> {
  requireJsonContentType(request);
  return parseJsonBody(await readRawBody(request, maxBytes));
}
