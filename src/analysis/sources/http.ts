import { BackendError, UsageError } from '../errors.js';

/** GETs JSON from a backend, turning network failures and HTTP errors into BackendErrors. */
export async function getJson(
  backend: string,
  url: URL,
  options: { timeoutMs: number; headers?: Record<string, string> },
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json', ...options.headers },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const reason =
      (err as Error).name === 'TimeoutError'
        ? `no answer within ${options.timeoutMs} ms`
        : (cause?.code ?? cause?.message ?? (err as Error).message);
    throw new BackendError(`cannot reach ${backend} at ${url.origin}: ${reason}`, { cause: err });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // Never dump an HTML page on the terminal: say what it was and what to check.
    const type = response.headers.get('content-type')?.split(';')[0]?.trim() || 'unknown type';
    const html = /^\s*</.test(text) || type === 'text/html';
    const firstLine = text.trim().split('\n')[0]?.slice(0, 120) ?? '';
    throw new BackendError(
      `${backend} at ${url.origin} answered ${url.pathname} with HTTP ${response.status} and ${html ? 'an HTML page' : `a non-JSON body (${type}): ${firstLine}`}; is ${url.origin}${url.pathname.replace(/(api\/v1|loki\/api\/v1)\/.*$/, '')} the ${backend} API base URL?`,
    );
  }
  if (!response.ok) {
    const b = body as { error?: unknown; message?: unknown };
    const detail =
      typeof b.error === 'string' ? b.error : typeof b.message === 'string' ? b.message : text;
    throw new BackendError(
      `${backend} at ${url.origin} answered HTTP ${response.status}: ${detail.slice(0, 300)}`,
    );
  }
  return body;
}

/** Parses and validates a backend base URL given on the command line or in the environment. */
export function baseUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      `bad ${what} URL "${text}": give an http(s) URL such as http://localhost:${what === 'Loki' ? 3100 : 9090}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`bad ${what} URL "${text}": only http and https are supported`);
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}
