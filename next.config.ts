import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // PGlite ships WASM + data files it loads from its own package directory; bundling breaks that.
  serverExternalPackages: ['@electric-sql/pglite', 'postgres'],
  poweredByHeader: false,
  // Separate build dirs let parallel test runs (and CI beside a dev server) not clobber each other.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // Read at runtime by the migration runner and the embedded database's seed.
  outputFileTracingIncludes: { '/api/**': ['./supabase/migrations/*.sql', './supabase/seed.sql'] },
};

export default nextConfig;
