// Refreshes a Supabase Auth session before pages and read APIs see it (Next 16's proxy, the
// former middleware). A no-op without Supabase Auth configured or without an `sb-` cookie.
import type { NextRequest } from 'next/server';
import { updateSupabaseSession } from '@/lib/dashboard/supabase';

export function proxy(request: NextRequest) {
  return updateSupabaseSession(request);
}

// A read API call with a Bearer token (A/B code, scripts) never reads the session cookie, so it
// skips the proxy: running it cost every such read ≈ 0.7 ms of server CPU (docs/performance.md).
export const config = {
  matcher: ['/dashboard/:path*', { source: '/api/circuits/:path*', missing: [{ type: 'header', key: 'authorization' }] }],
};
