/** The browser's HTTP client for Tocsin's API: JSON in, JSON out, errors as HttpError. */

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
  /** Worth retrying later (overload, rate limit, no network). */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new HttpError(0, "network", "network error");
  }
  const text = await res.text();
  // deno-lint-ignore no-explicit-any
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    if (
      res.status === 401 && !path.startsWith("/api/v1/session") &&
      !path.startsWith("/api/v1/setup") && !path.startsWith("/api/v1/sso/ldap/session")
    ) {
      location.href = "/login?next=" + encodeURIComponent(location.pathname);
    }
    throw new HttpError(
      res.status,
      json?.error?.code ?? "http",
      json?.error?.message ?? res.statusText,
    );
  }
  return json as T;
}

/** A random idempotency key for a send. */
export function newClientId(): string {
  return "c" + Date.now().toString(36) + "-" + crypto.getRandomValues(new Uint32Array(2)).join("");
}
