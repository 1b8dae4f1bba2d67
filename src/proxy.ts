// Refreshes a Supabase Auth session before pages and read APIs see it (Next 16's proxy, the
// former middleware). A no-op without Supabase Auth configured or without an `sb-` cookie.
import type { NextRequest } from 'next/server';
import { updateSupabaseSession } from '@/lib/dashboard/supabase';

export function proxy(request: NextRequest) {
  return updateSupabaseSession(request);
}

export const config = { matcher: ['/dashboard/:path*', '/api/circuits/:path*'] };
