/** A cookie jar: what a browser would keep for the provider's origin. */
export class CookieJar {
  cookies = new Map<string, string>();

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = /expires=Thu, 01 Jan 1970/i.test(header) || value === '';
      if (expired) {
        this.cookies.delete(name);
      } else {
        this.cookies.set(name, value);
      }
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** One step of a browser-like request: the response and, for redirects, where it points. */
export interface Hop {
  url: URL;
  response: Response;
  location?: URL;
}

/** Options of one request made as a browser would. */
export interface UserAgentRequest {
  method?: 'GET' | 'POST';
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

/**
 * A browser stand-in for HTTP-level tests: keeps cookies, follows redirects within the
 * provider's origin and stops at the first redirect elsewhere (the client's redirect_uri).
 */
export class UserAgent {
  jar = new CookieJar();
  origin: string;
  headers: Record<string, string>;

  constructor(origin: string, headers: Record<string, string> = {}) {
    this.origin = origin;
    this.headers = headers;
  }

  async request(url: URL | string, init: UserAgentRequest = {}): Promise<Hop> {
    const target = new URL(url, this.origin);
    const body = init.form ? new URLSearchParams(init.form).toString() : undefined;
    const response = await fetch(target, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      redirect: 'manual',
      body,
      headers: {
        ...this.headers,
        ...init.headers,
        cookie: this.jar.header(),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
    });
    this.jar.store(response);
    const locationHeader = response.headers.get('location');
    const location = locationHeader ? new URL(locationHeader, target) : undefined;
    return { url: target, response, ...(location ? { location } : {}) };
  }

  /** Follows redirects on the provider's origin; returns every hop, the last one included. */
  async navigate(url: URL | string, init: UserAgentRequest = {}): Promise<Hop[]> {
    const hops: Hop[] = [await this.request(url, init)];
    for (let i = 0; i < 20; i += 1) {
      const last = hops.at(-1)!;
      if (!last.location || last.location.origin !== new URL(this.origin).origin) {
        return hops;
      }
      hops.push(await this.request(last.location));
    }
    throw new Error('too many redirects');
  }

  /** Follows redirects and returns the final hop. */
  async go(url: URL | string, init: UserAgentRequest = {}): Promise<Hop> {
    return (await this.navigate(url, init)).at(-1)!;
  }
}

/** The form action of a page, resolved against the page's URL. */
export function formAction(html: string, base: URL, index = 0): URL {
  const actions = [...html.matchAll(/<form[^>]*action="([^"]+)"/g)].map((m) => m[1]!);
  const action = actions[index];
  if (!action) {
    throw new Error('the page has no such form');
  }
  return new URL(action.replaceAll('&amp;', '&'), base);
}
