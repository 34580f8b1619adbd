import type { Request } from 'autocannon';
import {
  type BenchIdentity,
  codeBody,
  exchangeBody,
  formHeaders,
  mintLoginHintTokens,
  mintRefreshTokens,
  refreshBody,
  websiteAuthPath,
} from './fixtures.ts';
import { codeOf, count, type Headers, jsonField, state, type Tally } from './responses.ts';

/** The scenarios, in the order each round runs them. */
export const SCENARIO_KEYS = [
  'discovery',
  'refresh',
  'exchange',
  'cookie_sso',
  'handover',
  'journey',
] as const;
export type ScenarioKey = (typeof SCENARIO_KEYS)[number];

/** What one round of a scenario sends. */
export interface PreparedRound {
  requests: Request[];
  /** A fixed number of requests instead of a duration (tokens are single-use). */
  amount?: number;
}

/** What a scenario needs to prepare a round. */
export interface RoundInput {
  issuer: string;
  identity: BenchIdentity;
  connections: number;
  tally: Tally;
  /** How many single-use tokens the round may need. */
  expectedRequests: number;
}

/** One benchmark scenario. */
export interface Scenario {
  key: ScenarioKey;
  title: string;
  /** HTTP requests per unit of work (the journey is three). */
  requestsPerUnit: number;
  prepare(input: RoundInput): Promise<PreparedRound>;
}

const discovery: Scenario = {
  key: 'discovery',
  title: 'discovery document',
  requestsPerUnit: 1,
  prepare: async ({ tally }) => ({
    requests: [
      {
        method: 'GET',
        path: '/.well-known/openid-configuration',
        onResponse: (status, body) => count(tally, status === 200, status, body),
      },
    ],
  }),
};

// A refresh token that does not exist: when the queue runs dry a connection gets a refusal
// instead of replaying a used token (which would revoke the whole grant).
const DEAD_TOKEN = 'bench-no-refresh-token-left';
// Chains beyond one per connection, for the few refusals a busy machine may cause.
const SPARE_CHAINS = 8;

const refresh: Scenario = {
  key: 'refresh',
  title: 'refresh_token grant (rotating)',
  requestsPerUnit: 1,
  async prepare({ issuer, identity, connections, tally }) {
    // autocannon clears a connection's context after each pass over its requests, so the
    // chains live in one queue: a request takes a token, its response puts the rotated one back.
    const queue = await mintRefreshTokens(issuer, identity, connections + SPARE_CHAINS);
    const setupRequest = (request: Request): Request => ({
      ...request,
      body: refreshBody(queue.shift() ?? DEAD_TOKEN),
    });
    const onResponse = (status: number, body: string) => {
      const next = status === 200 ? jsonField(body, 'refresh_token') : undefined;
      count(tally, next !== undefined, status, body);
      if (next) {
        queue.push(next);
      }
    };
    return {
      requests: [
        { method: 'POST', path: '/token', headers: formHeaders(), setupRequest, onResponse },
      ],
    };
  },
};

const exchange: Scenario = {
  key: 'exchange',
  title: 'token exchange (RT → login_hint_token)',
  requestsPerUnit: 1,
  prepare: async ({ identity, tally }) => ({
    requests: [
      {
        method: 'POST',
        path: '/token',
        headers: formHeaders(),
        body: exchangeBody(identity.subjectToken),
        onResponse: (status, body) =>
          count(tally, status === 200 && body.includes('"access_token"'), status, body),
      },
    ],
  }),
};

const cookieSso: Scenario = {
  key: 'cookie_sso',
  title: 'GET /auth, session cookie (SSO)',
  requestsPerUnit: 1,
  prepare: async ({ identity, tally }) => ({
    requests: [
      {
        method: 'GET',
        path: websiteAuthPath(),
        // Read now: the flows that mint refresh tokens may have renewed the session cookie.
        headers: { cookie: identity.agent.jar.header() },
        onResponse: (status, body, _context, headers) =>
          count(tally, codeOf(status, headers) !== undefined, status, body),
      },
    ],
  }),
};

const handover: Scenario = {
  key: 'handover',
  title: 'GET /auth, login_hint_token, no cookie',
  requestsPerUnit: 1,
  async prepare({ issuer, identity, tally, expectedRequests }) {
    const tokens = await mintLoginHintTokens(issuer, identity.subjectToken, expectedRequests);
    let next = 0;
    const setupRequest = (request: Request): Request => {
      const token = tokens[next] ?? 'ohlht_exhausted';
      next += 1;
      return { ...request, path: websiteAuthPath(token) };
    };
    const onResponse = (status: number, body: string, _context: object, headers: Headers) =>
      count(tally, codeOf(status, headers) !== undefined, status, body);
    return { requests: [{ method: 'GET', setupRequest, onResponse }], amount: tokens.length };
  },
};

function journeyRequests(identity: BenchIdentity, tally: Tally): Request[] {
  const fail = (status: number, body: string, context: object) => {
    count(tally, false, status, body);
    state(context).failed = true;
  };
  return [
    {
      method: 'POST',
      path: '/token',
      headers: formHeaders(),
      body: exchangeBody(identity.subjectToken),
      setupRequest: (request, context) => {
        state(context).started = performance.now();
        state(context).failed = false;
        return request;
      },
      onResponse: (status, body, context) => {
        state(context).token = jsonField(body, 'access_token');
        if (!state(context).token) {
          fail(status, body, context);
        }
      },
    },
    {
      method: 'GET',
      setupRequest: (request, context) => ({
        ...request,
        path: websiteAuthPath(String(state(context).token ?? 'ohlht_missing')),
      }),
      onResponse: (status, body, context, headers) => {
        state(context).code = codeOf(status, headers);
        if (!state(context).code && !state(context).failed) {
          fail(status, body, context);
        }
      },
    },
    {
      method: 'POST',
      path: '/token',
      headers: formHeaders(),
      setupRequest: (request, context) => ({
        ...request,
        body: codeBody(String(state(context).code ?? 'missing')),
      }),
      onResponse: (status, body, context) => {
        if (state(context).failed) {
          return;
        }
        count(tally, status === 200 && body.includes('"id_token"'), status, body);
        tally.unitLatencies.push(performance.now() - Number(state(context).started));
      },
    },
  ];
}

const journey: Scenario = {
  key: 'journey',
  title: 'whole journey (exchange, /auth, code)',
  requestsPerUnit: 3,
  prepare: async ({ identity, tally }) => ({ requests: journeyRequests(identity, tally) }),
};

/** Every scenario by key. */
export const SCENARIOS: Record<ScenarioKey, Scenario> = {
  discovery,
  refresh,
  exchange,
  cookie_sso: cookieSso,
  handover,
  journey,
};
