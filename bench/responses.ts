import type { Request } from 'autocannon';

/** How the responses of one measured round went; filled in by the scenario's checks. */
export interface Tally {
  ok: number;
  bad: number;
  firstBad: string | undefined;
  /** Latencies of whole units of work in ms, for scenarios made of several requests. */
  unitLatencies: number[];
  /** When the last unit finished (performance.now()), to time a round by its own traffic. */
  lastAt: number;
}

/** What a scenario keeps on a connection between requests. */
export type Context = Record<string, unknown>;

/** autocannon's per-connection context, where a scenario keeps its tokens between requests. */
export function state(context: object): Context {
  return context as Context;
}
/** Response headers as autocannon hands them over. */
export type Headers = Request['headers'];

/** A fresh tally for one round. */
export function createTally(): Tally {
  return { ok: 0, bad: 0, firstBad: undefined, unitLatencies: [], lastAt: 0 };
}

/** Counts one response as the scenario judged it. */
export function count(tally: Tally, ok: boolean, status: number, body: string): void {
  tally.lastAt = performance.now();
  if (ok) {
    tally.ok += 1;
    return;
  }
  tally.bad += 1;
  // Only the status and error code are kept: bodies may carry tokens.
  tally.firstBad ??= `${status} ${/"error":"([a-z_]+)"/.exec(body)?.[1] ?? ''}`.trim();
}

function headerOf(headers: Headers, name: string): string | undefined {
  const entry = Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name);
  return entry ? String(entry[1]) : undefined;
}

/** The authorization code of a redirect to demo-website, if that is what the response is. */
export function codeOf(status: number, headers: Headers): string | undefined {
  const location = headerOf(headers, 'location');
  if (status !== 303 && status !== 302) {
    return undefined;
  }
  if (!location?.startsWith('http://localhost:4000/callback?')) {
    return undefined;
  }
  return new URL(location).searchParams.get('code') ?? undefined;
}

/** One string field of a JSON body. */
export function jsonField(body: string, field: string): string | undefined {
  try {
    const value = (JSON.parse(body) as Record<string, unknown>)[field];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
