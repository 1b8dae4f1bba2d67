import { parseJsonBody } from '../json/request-body';
import { AppError, isAppError } from './errors';

export { MAX_JSON_DEPTH, parseJsonBody } from '../json/request-body';

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

/** Content type, size cap and JSON parse in one step, for the non-webhook JSON routes. */
export async function readJsonBody(request: Request, maxBytes = 1024 * 1024): Promise<unknown> {
  requireJsonContentType(request);
  return parseJsonBody(await readRawBody(request, maxBytes));
}
