import { expect } from 'chai';
import { SignJWT } from 'jose';
import * as client from 'openid-client';

import { DEMO, finishLogin, type PendingLogin } from '../support/clients.ts';
import { lastAuditReason, mintLoginHintToken, useHandoverStage } from '../support/handover.ts';
import { UserAgent } from '../support/user_agent.ts';

describe('login_hint_token in a pushed request and a request object', () => {
  const stage = useHandoverStage();

  async function pkceParams(extra: Record<string, string>) {
    const verifier = client.randomPKCECodeVerifier();
    const params = {
      client_id: DEMO.website.clientId,
      response_type: 'code',
      redirect_uri: DEMO.website.redirectUri,
      scope: 'openid profile email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: client.randomState(),
      nonce: client.randomNonce(),
      prompt: 'none',
      ...extra,
    };
    return { params, verifier };
  }

  function pendingOf(url: URL, params: Record<string, string>, verifier: string): PendingLogin {
    return { url, verifier, state: params.state!, nonce: params.nonce! };
  }

  async function storedPushedRequests(): Promise<string[]> {
    const rows: { payload: { request: string } }[] = await stage.provider.database
      .knex('oidc_models')
      .where({ model: 'PushedAuthorizationRequest' })
      .select('payload');
    // The stored request is a JWT: look inside its payload, not only at the encoded text.
    return rows.map(({ payload }) => {
      const [, body = ''] = payload.request.split('.');
      return `${JSON.stringify(payload)} ${Buffer.from(body, 'base64url').toString()}`;
    });
  }

  it('serves no form post at /auth: a stage.website posts its request to the PAR endpoint', async () => {
    // oidc-provider allows POST /auth only with SameSite=None session cookies, which would
    // weaken every page; PAR keeps the token out of the address bar instead.
    const { params } = await pkceParams({});
    const hop = await new UserAgent(stage.provider.url).request(
      new URL('/auth', stage.provider.url),
      {
        form: params,
      },
    );
    expect(hop.response.status).to.equal(404);
  });

  it('redeems a pushed token at /auth and never stores it raw', async () => {
    const token = await mintLoginHintToken(stage.provider, stage.refreshToken);
    const { params, verifier } = await pkceParams({ login_hint_token: token });
    const { client_id: _id, ...pushed } = params;
    const url = await client.buildAuthorizationUrlWithPAR(stage.website, pushed);

    const stored = await storedPushedRequests();
    expect(stored.join('\n')).to.include('sha256:').and.not.include(token);

    const hop = await new UserAgent(stage.provider.url).go(url);
    const tokens = await finishLogin(
      stage.website,
      pendingOf(url, params, verifier),
      hop.location!,
    );
    expect(tokens.claims()!.auth_time).to.be.a('number');
  });

  it('ignores a token reference sent by the browser instead of a pushed request', async () => {
    const token = await mintLoginHintToken(stage.provider, stage.refreshToken);
    const { params } = await pkceParams({ login_hint_token: token });
    const { client_id: _id, ...pushed } = params;
    await client.buildAuthorizationUrlWithPAR(stage.website, pushed);
    const [stored = ''] = (await storedPushedRequests()).slice(-1);
    const reference = /sha256:[A-Za-z0-9_-]{43}/.exec(stored)![0];

    const direct = await pkceParams({ login_hint_token: reference });
    const url = new URL(`/auth?${new URLSearchParams(direct.params)}`, stage.provider.url);
    const hop = await new UserAgent(stage.provider.url).go(url);
    expect(hop.location?.searchParams.get('error')).to.equal('login_required');
    expect(await lastAuditReason(stage.provider.database.knex, 'redemption.refused')).to.equal(
      'reference_outside_par',
    );
  });

  async function signedRequest(params: Record<string, string>): Promise<string> {
    return new SignJWT({ ...params })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(DEMO.website.clientId)
      .setAudience(stage.provider.url)
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(DEMO.website.secret));
  }

  it('redeems a token inside a signed request object', async () => {
    const token = await mintLoginHintToken(stage.provider, stage.refreshToken);
    const { params, verifier } = await pkceParams({ login_hint_token: token });
    const query = { client_id: DEMO.website.clientId, request: await signedRequest(params) };
    const url = new URL(`/auth?${new URLSearchParams(query)}`, stage.provider.url);
    const hop = await new UserAgent(stage.provider.url).go(url);
    const tokens = await finishLogin(
      stage.website,
      pendingOf(url, params, verifier),
      hop.location!,
    );
    expect(tokens.claims()!.sub).to.be.a('string');
  });

  it('redeems a token inside a pushed request object and stores only the reference', async () => {
    const token = await mintLoginHintToken(stage.provider, stage.refreshToken);
    const { params, verifier } = await pkceParams({ login_hint_token: token });
    const response = await fetch(new URL('/request', stage.provider.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: DEMO.website.clientId,
        client_secret: DEMO.website.secret,
        request: await signedRequest(params),
      }),
    });
    expect(response.status).to.equal(201);
    const { request_uri: requestUri } = (await response.json()) as { request_uri: string };
    expect((await storedPushedRequests()).join('\n')).to.not.include(token);

    const query = { client_id: DEMO.website.clientId, request_uri: requestUri };
    const url = new URL(`/auth?${new URLSearchParams(query)}`, stage.provider.url);
    const hop = await new UserAgent(stage.provider.url).go(url);
    const tokens = await finishLogin(
      stage.website,
      pendingOf(url, params, verifier),
      hop.location!,
    );
    expect(tokens.claims()!.sub).to.be.a('string');
  });
});
