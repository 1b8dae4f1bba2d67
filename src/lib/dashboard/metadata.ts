import type { Metadata } from 'next';

// An inline icon: the pages declare it, so browsers never ask for a missing /favicon.ico.
const ICON_SVG =
  "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'><rect width='32' height='32' rx='6' fill='#1f6feb'/>" +
  "<path d='M9 23v-8m7 8V9m7 14v-5' stroke='#fff' stroke-width='3' stroke-linecap='round'/></svg>";

export const DASHBOARD_ICONS: Metadata['icons'] = { icon: `data:image/svg+xml,${encodeURIComponent(ICON_SVG)}` };

export function pageMetadata(title: string): Metadata {
  return { title: `${title} · Decision Circuits metrics`, icons: DASHBOARD_ICONS };
}
