// Where the app is reached from the outside, and whether a form post came from this site.

type Env = Readonly<Record<string, string | undefined>>;
type HeaderSource = { get(name: string): string | null };

function firstValue(value: string | null): string | null {
  const first = value?.split(',')[0]?.trim();
  return first ? first : null;
}

/**
 * The public base URL (`https://metrics.example.com`): METRICS_PUBLIC_URL when set (behind a
 * proxy that rewrites Host), else the forwarded or direct Host of this request.
 */
export function publicBaseUrl(headers: HeaderSource, env: Env = process.env): string {
  const configured = env.METRICS_PUBLIC_URL?.trim().replace(/\/+$/, '');
  if (configured) return configured;
  const host = firstValue(headers.get('x-forwarded-host')) ?? firstValue(headers.get('host')) ?? 'localhost:3000';
  const forwardedProto = firstValue(headers.get('x-forwarded-proto'));
  const proto =
    forwardedProto === 'https' || forwardedProto === 'http'
      ? forwardedProto
      : host.startsWith('localhost') || host.startsWith('127.')
        ? 'http'
        : 'https';
  return `${proto}://${host}`;
}

export function isHttpsRequest(request: Request): boolean {
  return firstValue(request.headers.get('x-forwarded-proto')) === 'https' || new URL(request.url).protocol === 'https:';
}

/**
 * Refuses cross-site form posts (login CSRF): a browser sends Origin on every POST, and
 * Sec-Fetch-Site where it knows better. Requests with neither (curl, scripts) are allowed.
 */
export function isSameOriginPost(request: Request): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const origin = request.headers.get('origin');
  if (!origin) return true;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return false;
  }
  const hosts = [firstValue(request.headers.get('x-forwarded-host')), firstValue(request.headers.get('host')), new URL(request.url).host];
  return hosts.some((host) => host !== null && host === originHost);
}
