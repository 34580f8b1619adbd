import { request } from 'node:http';

/** One HTTP exchange at the byte level: what a hostile or odd client could send. */
export interface RawRequest {
  url: URL | string;
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** The source address of the connection, e.g. 127.0.0.2 to play another device. */
  localAddress?: string;
  /** Give up (and fail the test) after this many milliseconds; default 20 s. */
  timeoutMs?: number;
}

/** The answer, with the body read whole as text. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The redirect target resolved against the request URL, if any. */
  location?: URL;
  /** Milliseconds from sending to the end of the body. */
  durationMs: number;
}

/** Sends one request without any client-side normalisation of the body or headers. */
export function send(options: RawRequest): Promise<RawResponse> {
  const url = new URL(options.url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        headers: options.headers,
        localAddress: options.localAddress,
        timeout: options.timeoutMs ?? 20_000,
        agent: false,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const location = incoming.headers.location;
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            ...(location ? { location: new URL(location, url) } : {}),
            durationMs: performance.now() - started,
          });
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer from ${url.pathname}`)));
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/** The `name=value` pairs of every Set-Cookie header of a response. */
export function setCookies(response: RawResponse): Map<string, string> {
  const cookies = new Map<string, string>();
  const headers = response.headers['set-cookie'];
  for (const header of Array.isArray(headers) ? headers : []) {
    const [pair = ''] = header.split(';');
    const index = pair.indexOf('=');
    cookies.set(pair.slice(0, index).trim(), pair.slice(index + 1).trim());
  }
  return cookies;
}
