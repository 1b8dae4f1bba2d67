// Text PostgreSQL can store: U+0000 and unpaired surrogates are valid JSON escapes that text and
// jsonb reject (22P05 / 22P02); one such character would fail a whole batch, retried for days.
const UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})/;
// Matched per UTF-16 unit (no `u` flag), so a well-formed pair is left alone.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function storableString(value: string): string {
  return value.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

/** Replaces U+0000 and lone surrogates by U+FFFD in every string and key (depth is already bounded). */
function storable(value: unknown): unknown {
  if (typeof value === 'string') return storableString(value);
  if (Array.isArray(value)) return value.map(storable);
  if (typeof value === 'object' && value !== null) {
    // fromEntries defines own properties, so a "__proto__" key stays a plain key.
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [storableString(key), storable(item)]));
  }
  return value;
}

/** `value` parsed from `text`, cleaned only when the text holds such an escape (the common case is free). */
export function storableJson(text: string, value: unknown): unknown {
  return UNSTORABLE_ESCAPE.test(text) ? storable(value) : value;
}
