// What every provider's signer shares: the body and timestamp forms tests and tools pass in.
export type Body = Uint8Array | string;
/** A Date, Unix seconds, or (to build malformed requests) any header string. */
export type When = Date | number | string;

export function timestampHeader(at: When | undefined): string {
  if (typeof at === 'string') return at;
  if (typeof at === 'number') return String(Math.floor(at));
  return String(Math.floor((at ?? new Date()).getTime() / 1000));
}
