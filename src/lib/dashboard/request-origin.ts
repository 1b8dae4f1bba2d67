// Where the app is reached from the outside, who is calling, and whether a form post came from
// this site. Forwarded headers (X-Forwarded-Host, -Proto, -For) are anyone's to send unless a
// proxy in front overwrites them, so they count only with METRICS_TRUST_PROXY_HEADERS=true.

type Env = Readonly<Record<string, string | undefined>>;
type HeaderSource = { get(name: string): string | null };

function firstValue(value: string | null): string | null {
  const first = value?.split(',')[0]?.trim();
  return first ? first : null;
}

/** Whether a proxy that sets X-Forwarded-* itself (Vercel does) stands in front of the app. */
export function trustsProxyHeaders(env: Env = process.env): boolean {
  return env.METRICS_TRUST_PROXY_HEADERS?.trim() === 'true';
}

function configuredPublicUrl(env: Env): string | null {
  const configured = env.METRICS_PUBLIC_URL?.trim().replace(/\/+$/, '');
  return configured ? configured : null;
}

function hostOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

/**
 * The public base URL (`https://metrics.example.com`): METRICS_PUBLIC_URL when set, else the
 * forwarded host behind a trusted proxy, else this request's Host.
 */
export function publicBaseUrl(headers: HeaderSource, env: Env = process.env): string {
  const configured = configuredPublicUrl(env);
  if (configured) return configured;
  const trusted = trustsProxyHeaders(env);
  const host = (trusted ? firstValue(headers.get('x-forwarded-host')) : null) ?? firstValue(headers.get('host')) ?? 'localhost:3000';
  const forwardedProto = trusted ? firstValue(headers.get('x-forwarded-proto')) : null;
  const proto =
    forwardedProto === 'https' || forwardedProto === 'http'
      ? forwardedProto
      : host.startsWith('localhost') || host.startsWith('127.')
        ? 'http'
        : 'https';
  return `${proto}://${host}`;
}

/**
 * Where emailed sign-in links point. In production a link must not follow anything the caller
 * sends (a Host or X-Forwarded-Host of their choosing would mail a victim a link to their site),
 * so it needs METRICS_PUBLIC_URL, or a trusted proxy's forwarded host; null means neither is set.
 */
export function signInLinkBaseUrl(headers: HeaderSource, env: Env = process.env): string | null {
  const configured = configuredPublicUrl(env);
  if (configured) return configured;
  if (env.NODE_ENV === 'production' && !trustsProxyHeaders(env)) return null;
  return publicBaseUrl(headers, env);
}

export function isHttpsRequest(request: Request, env: Env = process.env): boolean {
  const forwarded = trustsProxyHeaders(env) && firstValue(request.headers.get('x-forwarded-proto')) === 'https';
  return forwarded || new URL(request.url).protocol === 'https:';
}

/** Session cookies are `Secure` in production (and on any https request), so they never travel in clear. */
export function secureCookies(request: Request, env: Env = process.env): boolean {
  return env.NODE_ENV === 'production' || isHttpsRequest(request, env);
}

/** The budget key of callers whose address the app cannot see (no trusted proxy in front). */
export const UNKNOWN_CLIENT_ADDRESS = 'direct';

/**
 * The caller's address for per-address budgets: the first X-Forwarded-For entry behind a trusted
 * proxy that overwrites the header (Vercel does). Otherwise Next does not hand a route the
 * socket's address, and a caller-sent header would let anyone pick a fresh budget per request,
 * so every such caller shares one budget.
 */
export function clientAddress(headers: HeaderSource, env: Env = process.env): string {
  if (!trustsProxyHeaders(env)) return UNKNOWN_CLIENT_ADDRESS;
  return (
    firstValue(headers.get('x-forwarded-for'))?.slice(0, 64) ?? firstValue(headers.get('x-real-ip'))?.slice(0, 64) ?? UNKNOWN_CLIENT_ADDRESS
  );
}

/**
 * Refuses cross-site form posts (login CSRF): a browser sends Origin on every POST, and
 * Sec-Fetch-Site where it knows better. Requests with neither (curl, scripts) are allowed.
 */
export function isSameOriginPost(request: Request, env: Env = process.env): boolean {
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
  const hosts = [
    hostOf(configuredPublicUrl(env)),
    trustsProxyHeaders(env) ? firstValue(request.headers.get('x-forwarded-host')) : null,
    firstValue(request.headers.get('host')),
    new URL(request.url).host,
  ];
  return hosts.some((host) => host !== null && host === originHost);
}
