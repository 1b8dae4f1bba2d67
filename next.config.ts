import type { NextConfig } from 'next';

/**
 * Content-Security-Policy of every page and API answer. Next's App Router inlines its bootstrap
 * and the page's data as <script> blocks; without a per-request nonce (which would route every
 * page through the proxy and rule out static rendering) they need 'unsafe-inline'. Everything
 * else is this origin only: no third-party script, no framing, forms post only here.
 * `next dev` also evaluates code for Fast Refresh, hence 'unsafe-eval' outside production.
 */
function contentSecurityPolicy(production: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${production ? '' : " 'unsafe-eval'"}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const SECURITY_HEADERS = [
  { key: 'Content-Security-Policy', value: contentSecurityPolicy(process.env.NODE_ENV === 'production') },
  // For browsers older than CSP's frame-ancestors.
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
];

const nextConfig: NextConfig = {
  // PGlite ships WASM + data files it loads from its own package directory; bundling breaks that.
  serverExternalPackages: ['@electric-sql/pglite', 'postgres'],
  poweredByHeader: false,
  // Separate build dirs let parallel test runs (and CI beside a dev server) not clobber each other.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // `route.bench.ts` files (the benchmarks' ceiling route) exist only in the benchmarks' own build.
  pageExtensions: process.env.METRICS_BENCH_BUILD === 'true' ? ['bench.ts', 'tsx', 'ts', 'jsx', 'js'] : ['tsx', 'ts', 'jsx', 'js'],
  // Read at runtime by the migration runner and the embedded database's seed.
  outputFileTracingIncludes: { '/api/**': ['./supabase/migrations/*.sql', './supabase/seed.sql'] },
  async headers() {
    return [{ source: '/:path*', headers: SECURITY_HEADERS }];
  },
};

export default nextConfig;
