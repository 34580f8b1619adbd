import { expect } from 'chai';
import fc from 'fast-check';

import { MEMORY_DATA_DIR } from '../../provider/config.ts';
import { sharedPostgres, skipWithoutPostgres } from '../support/adversarial.ts';
import {
  type AppSession,
  authorizationQuery,
  exchangeForm,
  postToken,
  signInApp,
} from '../support/handover_http.ts';
import { query, sessionUids } from '../support/inspect.ts';
import {
  AUTHORIZATION_ERRORS,
  type Field,
  type Mutation,
  mutateFields,
  mutationArbitrary,
  TOKEN_ERRORS,
  toBody,
} from '../support/malformed_inputs.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';
import { type RawResponse, send } from '../support/raw_http.ts';

const RUNS = Number(process.env.MALFORMED_RUNS ?? 60);

function expectTokenError(response: RawResponse, subjectToken: string): void {
  expect(response.status, response.body).to.be.oneOf([400, 401]);
  const body = JSON.parse(response.body) as { error?: unknown; error_description?: unknown };
  expect(TOKEN_ERRORS).to.include(body.error);
  expect(response.body).not.to.include(subjectToken);
}

/** /auth may redirect with an error, show the login page, or refuse with a 4xx page. */
function expectAuthorizationRefusal(response: RawResponse): void {
  expect(response.status, response.body.slice(0, 200)).to.be.below(500);
  const location = response.location;
  if (location?.pathname === '/callback') {
    expect(location.searchParams.has('code')).to.equal(false);
    expect(AUTHORIZATION_ERRORS).to.include(location.searchParams.get('error'));
  } else if (location) {
    expect(location.pathname).to.match(/^\/interaction\//);
  } else {
    expect(response.status).to.be.within(400, 499);
  }
}

/** Sends the fields as the query (GET) or a form body (POST) of /auth. */
function sendAuthorization(
  url: string,
  method: 'GET' | 'POST',
  fields: Field[],
): Promise<RawResponse | Error> {
  const encoded = toBody(fields);
  const request =
    method === 'GET'
      ? send({ url: `${url}/auth?${encoded.toString('latin1')}` })
      : send({
          url: `${url}/auth`,
          method,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: encoded,
        });
  return request.catch((error: unknown) => error as Error);
}

/** Whatever the token value was, no error text, page or redirect repeats it. */
function expectNoEcho(response: RawResponse, fields: Field[]): void {
  for (const [name, value] of fields) {
    if (name === 'login_hint_token' && typeof value === 'string' && value.length >= 8) {
      expect(response.body).not.to.include(value);
      expect(response.location?.toString() ?? '').not.to.include(encodeURIComponent(value));
    }
  }
}

describe('malformed input: property-based requests to /token and /auth', function () {
  this.timeout(120_000);
  let provider: TestProvider;
  let url: string;
  let app: AppSession;

  before(async function () {
    skipWithoutPostgres(this);
    const server = await sharedPostgres();
    provider = await startTestProvider({
      storage: { database: await server.createDatabase('malformed'), dataDir: MEMORY_DATA_DIR },
      configure: (json) => {
        Object.assign(json.handover as object, { exchangesPerMinute: 0 });
      },
    });
    url = provider.url.replace('localhost', '127.0.0.1');
    app = await signInApp(provider.url);
  });

  after(async () => {
    await provider?.close();
  });

  async function countRows(table: string): Promise<number> {
    const rows = await query<{ n: number }>(
      provider.storage.database!,
      `select count(*)::int as n from ${table}`,
    );
    return rows[0]!.n;
  }

  it('answers every malformed token exchange with a 4xx RFC 6749/8693 error', async () => {
    const valid = Object.entries(exchangeForm(app.refreshToken)).map(
      ([name, value]): Field => [name, value],
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(mutationArbitrary('token'), { minLength: 1, maxLength: 3 }),
        async (mutations: Mutation[]) => {
          const { response } = await postToken(url, toBody(mutateFields(valid, mutations)));
          expectTokenError(response, app.refreshToken);
        },
      ),
      { numRuns: RUNS },
    );
    expect(await countRows('login_hint_tokens'), 'tokens minted by refused requests').to.equal(0);
  });

  it('refuses bodies that are not a form, with invalid_request', async () => {
    const bodies = fc.oneof(
      fc.json().map((json) => ({ type: 'application/json', body: json })),
      fc.constant({
        type: 'application/json',
        body: JSON.stringify(exchangeForm(app.refreshToken)),
      }),
      fc.string().map((text) => ({ type: 'text/plain', body: text })),
      fc.constant({ type: 'multipart/form-data; boundary=x', body: '--x\r\n\r\n--x--' }),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async ({ type, body }) => {
        const { response, json } = await postToken(url, body, { contentType: type });
        expect(response.status).to.equal(400);
        expect(json.error).to.equal('invalid_request');
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it('refuses an oversized body before reading it whole', async () => {
    const huge = Buffer.alloc(8 * 1024 * 1024, 'a');
    const response = await send({
      url: `${url}/token`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.concat([Buffer.from('grant_type=x&pad='), huge]),
    }).catch((error: unknown) => error as Error);
    if (response instanceof Error) {
      // The server may close the socket while the client is still uploading: also a refusal.
      expect(response.message).to.match(/EPIPE|ECONNRESET|socket hang up/);
    } else {
      expect(response.status).to.be.oneOf([400, 413]);
      expect(response.durationMs).to.be.below(2_000);
    }
    expect((await fetch(`${url}/healthz`)).status).to.equal(200);
  });

  for (const method of ['GET', 'POST'] as const) {
    it(`answers a malformed login_hint_token at ${method} /auth without a sign-in or a 5xx`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(mutationArbitrary('auth'), { minLength: 1, maxLength: 3 }),
          async (mutations: Mutation[]) => {
            const base = [...authorizationQuery()].map(([name, value]): Field => [name, value]);
            const fields = mutateFields(base, mutations, 'auth');
            const response = await sendAuthorization(url, method, fields);
            if (response instanceof Error) {
              // Node answers 431 to a request line beyond its 16 KiB limit, maybe with a reset.
              expect(method).to.equal('GET');
              expect(toBody(fields).length).to.be.above(16 * 1024);
              expect(response.message).to.match(/ECONNRESET|EPIPE/);
              return;
            }
            expectAuthorizationRefusal(response);
            expectNoEcho(response, fields);
          },
        ),
        { numRuns: method === 'GET' ? RUNS : Math.ceil(RUNS / 2) },
      );
    });
  }

  it('stays up and ready after all of it, with no session created', async () => {
    expect((await fetch(`${url}/readyz`)).status).to.equal(200);
    expect((await sessionUids(provider.storage.database!)).size).to.equal(1);
  });
});
