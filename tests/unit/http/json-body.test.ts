// parseJsonBody's nesting limit skips string contents (brackets and escaped quotes inside strings
// do not count), and agrees with the depth JSON.parse itself builds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseJsonBody } from '../../../src/lib/http/body';
import { isAppError } from '../../../src/lib/http/errors';

const bytes = (text: string) => new TextEncoder().encode(text);

function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (typeof value === 'object' && value !== null) return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

function refusedForDepth(text: string): boolean {
  try {
    parseJsonBody(bytes(text));
    return false;
  } catch (error) {
    if (isAppError(error) && error.code === 'invalid_request' && /nested too deeply/.test(error.message)) return true;
    throw error;
  }
}

describe('parseJsonBody nesting limit', () => {
  it('counts brackets only outside strings, whatever escapes precede a quote', () => {
    const brackets = '['.repeat(MAX_JSON_DEPTH + 5);
    expect(parseJsonBody(bytes(`{"a":"${brackets}"}`))).toEqual({ a: brackets });
    expect(parseJsonBody(bytes(`["\\"${brackets}"]`))).toEqual([`"${brackets}`]);
    expect(parseJsonBody(bytes(`["\\\\\\"${brackets}", "\\\\"]`))).toEqual([`\\"${brackets}`, '\\']);
    const deep = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`;
    expect(refusedForDepth(`["\\\\", ${deep}]`)).toBe(true);
    expect(refusedForDepth(`["x\\\\\\\\", ${deep}]`)).toBe(true);
  });

  it('refuses exactly the documents JSON.parse would build deeper than the limit', () => {
    const strings = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', 'é') });
    const leaf = fc.oneof(strings, fc.array(strings, { maxLength: 2 }), fc.dictionary(strings, strings, { maxKeys: 2 }));
    // A leaf wrapped in 50–80 arrays or objects (keys full of brackets and escapes): around the limit.
    const json = fc
      .tuple(leaf, fc.array(fc.tuple(fc.boolean(), strings), { minLength: 50, maxLength: 80 }))
      .map(([inner, wraps]) => wraps.reduce<unknown>((value, [asArray, key]) => (asArray ? [key, value] : { [key]: value }), inner));
    fc.assert(
      fc.property(json, (value) => {
        const text = JSON.stringify(value);
        expect(refusedForDepth(text)).toBe(depthOf(value) > MAX_JSON_DEPTH);
      }),
      { numRuns: 300 },
    );
  });
});
