import nextCoreWebVitals from 'eslint-config-next/core-web-vitals';
import nextTypescript from 'eslint-config-next/typescript';
import tseslint from 'typescript-eslint';

const config = [
  { ignores: ['.next/**', '.next-*/**', 'node_modules/**', '.data/**', 'next-env.d.ts', 'coverage/**', 'test-results/**'] },
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['warn', { allow: ['warn', 'error', 'info'] }],
    },
  },
  {
    files: ['scripts/**', 'bench/**', 'tests/**', 'tooling/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // The domain never speaks HTTP: errors carry a code, and src/lib/http maps codes to answers.
    files: ['src/lib/decision-circuits/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'next', message: 'The domain does not depend on Next.js.' }],
          patterns: [
            { group: ['next/*'], message: 'The domain does not depend on Next.js.' },
            { group: ['**/http/*', '@/lib/http/*'], message: 'The domain never imports the HTTP layer: throw a DomainError with a code.' },
            { group: ['**/tooling/**'], message: 'Development tooling (the simulator) is never part of the app.' },
          ],
        },
      ],
    },
  },
  {
    // The simulator and the CLI helpers are development tooling: nothing the app serves imports them.
    files: ['src/**'],
    // A `route.bench.ts` is compiled only into the benchmarks' build (next.config.ts).
    ignores: ['src/lib/decision-circuits/**', 'src/app/**/route.bench.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/tooling/**'], message: 'Development tooling (the simulator) is never part of the app.' }] },
      ],
    },
  },
  {
    // Auth says who is calling and throws an AppError with a code; only src/lib/http answers HTTP.
    files: ['src/lib/auth/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/http/*', '@/lib/http/*'], message: 'Auth never imports the HTTP layer: throw an AppError with a code.' },
            { group: ['**/tooling/**'], message: 'Development tooling (the simulator) is never part of the app.' },
          ],
        },
      ],
    },
  },
  {
    // App code reaches the domain through its public modules only: the domain's index.ts and
    // metrics-*.ts, and each room's face (tenancy/, ab-tests/, ops/, delivery/, ingest/, providers/,
    // backfill/). A file inside a room is the room's own business.
    files: ['src/app/**', 'src/components/**', 'src/lib/dashboard/**'],
    // A `route.bench.ts` is compiled only into the benchmarks' build (next.config.ts).
    ignores: ['src/app/**/route.bench.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/tooling/**'], message: 'Development tooling (the simulator) is never part of the app.' },
            {
              group: ['**/decision-circuits/metrics/*/**'],
              message: "Import the domain through its public modules: the metrics index, a metrics-*.ts module or a room's folder.",
            },
          ],
        },
      ],
    },
  },
];
export default config;
