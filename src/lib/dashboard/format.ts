// Display formatting shared by server pages and client components: deterministic (fixed locale,
// UTC), so what the server renders and what the browser hydrates are the same text.

const COUNT = new Intl.NumberFormat('en-US');

export function formatCount(value: number): string {
  return COUNT.format(value);
}

/** A rate already in percent (the API's 0–100 numbers with two decimals); `—` where it is unknown (null). */
export function formatPercent(value: number | null): string {
  return value === null ? '—' : `${value.toFixed(2)} %`;
}

/** A fraction (0.153) as percent with two decimals. */
export function formatFraction(value: number): string {
  return formatPercent(value * 100);
}

/** Signed difference of two fractions in percentage points. */
export function formatPointDifference(fraction: number): string {
  const points = fraction * 100;
  const sign = points > 0 ? '+' : points < 0 ? '−' : '±';
  return `${sign}${Math.abs(points).toFixed(2)} pp`;
}

export function formatPValue(p: number): string {
  if (!Number.isFinite(p)) return '–';
  if (p < 0.0001) return '< 0.0001';
  return p.toFixed(4);
}

export function formatZ(z: number): string {
  return Number.isFinite(z) ? z.toFixed(2) : '–';
}

/** `2025-12-16 10:00 UTC`; `–` for null. */
export function formatUtc(iso: string | null | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}
