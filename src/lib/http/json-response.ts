/** The body size under which gzip costs more CPU than the bytes it saves (compression's default). */
const COMPRESSION_THRESHOLD_BYTES = 1024;

/**
 * Response.json, except that bodies under 1 KB are marked `no-transform`. Next's built-in
 * compression would skip them by size, but Next drops the Content-Length it needs to know that,
 * so every answer went through gzip: the largest CPU cost of a webhook acknowledgement
 * (docs/performance.md). `no-transform` is the one signal it honours. Larger bodies (rollup
 * lists) are still compressed.
 */
export function jsonResponse(body: unknown, init: ResponseInit = {}): Response {
  const text = JSON.stringify(body);
  const headers = new Headers(init.headers);
  headers.set('content-type', 'application/json');
  // A string of 1,024 UTF-16 units or more is at least that many bytes: only short ones are measured.
  if (text.length < COMPRESSION_THRESHOLD_BYTES && Buffer.byteLength(text) < COMPRESSION_THRESHOLD_BYTES) {
    const cacheControl = headers.get('cache-control');
    headers.set('cache-control', cacheControl ? `${cacheControl}, no-transform` : 'no-transform');
  }
  return new Response(text, { ...init, headers });
}
