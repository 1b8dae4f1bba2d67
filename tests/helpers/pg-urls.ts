export const TEMPLATE_DB = 'metrics_test_template';

export function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The server's maintenance database, for CREATE/DROP DATABASE. */
export function adminUrl(base: string): string {
  return databaseUrl(base, 'postgres');
}
