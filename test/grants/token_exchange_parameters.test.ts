import { expect } from 'chai';

import { TOKEN_TYPE } from '../../grants/token_types.ts';
import { appLogin } from '../support/clients.ts';
import { exchangeForm, lastAuditReason, postToken } from '../support/exchange.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';

describe('POST /token, token exchange parameters', () => {
  let provider: TestProvider;
  let tokens: Awaited<ReturnType<typeof appLogin>>['tokens'];

  before(async () => {
    provider = await startTestProvider();
    ({ tokens } = await appLogin(provider.url));
  });

  after(async () => {
    await provider.close();
  });

  async function expectRefusal(
    form: Record<string, string> | [string, string][],
    expected: { error: string; reason: string; description?: RegExp },
  ) {
    const response = await postToken(provider.url, form);
    expect(response.status).to.equal(400);
    expect(response.body.error).to.equal(expected.error);
    if (expected.description) {
      expect(response.body.error_description).to.match(expected.description);
    }
    expect(JSON.stringify(response.body)).not.to.include(tokens.refresh_token!);
    expect(await lastAuditReason(provider.database.knex)).to.equal(expected.reason);
    return response;
  }

  function without(name: string): Record<string, string> {
    const { [name]: _removed, ...rest } = exchangeForm(tokens.refresh_token!);
    return rest;
  }

  function withExtra(extra: Record<string, string>): Record<string, string> {
    return { ...exchangeForm(tokens.refresh_token!), ...extra };
  }

  it('refuses a missing subject_token', async () => {
    await expectRefusal(without('subject_token'), {
      error: 'invalid_request',
      reason: 'parameter_missing',
      description: /subject_token/,
    });
  });

  it('refuses a missing subject_token_type', async () => {
    await expectRefusal(without('subject_token_type'), {
      error: 'invalid_request',
      reason: 'parameter_missing',
      description: /subject_token_type/,
    });
  });

  it('accepts a missing requested_token_type', async () => {
    const response = await postToken(provider.url, without('requested_token_type'));
    expect(response.status).to.equal(200);
  });

  it('refuses another requested_token_type', async () => {
    await expectRefusal(withExtra({ requested_token_type: TOKEN_TYPE.access_token }), {
      error: 'invalid_request',
      reason: 'requested_token_type_unsupported',
    });
  });

  it('refuses resource instead of ignoring it', async () => {
    await expectRefusal(withExtra({ resource: 'https://api.example/' }), {
      error: 'invalid_request',
      reason: 'resource_not_supported',
    });
  });

  it('refuses actor_token instead of ignoring it', async () => {
    const actor = { actor_token: 'x', actor_token_type: TOKEN_TYPE.access_token };
    await expectRefusal(withExtra(actor), {
      error: 'invalid_request',
      reason: 'actor_token_not_supported',
    });
  });

  it('refuses scope instead of ignoring it', async () => {
    await expectRefusal(withExtra({ scope: 'openid' }), {
      error: 'invalid_request',
      reason: 'scope_not_supported',
    });
  });

  it('refuses an unknown subject_token_type', async () => {
    await expectRefusal(withExtra({ subject_token_type: TOKEN_TYPE.jwt }), {
      error: 'invalid_request',
      reason: 'subject_type_unsupported',
    });
  });

  it('refuses an ID token and says what to send instead', async () => {
    const form = withExtra({
      subject_token: tokens.id_token!,
      subject_token_type: TOKEN_TYPE.id_token,
    });
    const response = await expectRefusal(form, {
      error: 'invalid_request',
      reason: 'subject_id_token',
      description: /ID token .* not a credential.*send the refresh token/,
    });
    expect(response.body.error_description).not.to.include(tokens.id_token!);
  });

  it('refuses a JWT access token because it cannot be checked for revocation', async () => {
    const form = withExtra({
      subject_token: tokens.id_token!,
      subject_token_type: TOKEN_TYPE.access_token,
    });
    await expectRefusal(form, {
      error: 'invalid_request',
      reason: 'subject_jwt_access_token',
      description: /cannot be checked for revocation/,
    });
  });

  it('refuses a repeated subject_token', async () => {
    const pairs = Object.entries(exchangeForm(tokens.refresh_token!));
    pairs.push(['subject_token', tokens.refresh_token!]);
    await expectRefusal(pairs, {
      error: 'invalid_request',
      reason: 'request_malformed',
      description: /subject_token/,
    });
  });

  it('refuses a repeated audience with invalid_target', async () => {
    const pairs = Object.entries(exchangeForm(tokens.refresh_token!));
    pairs.push(['audience', 'demo-website-2']);
    await expectRefusal(pairs, { error: 'invalid_target', reason: 'audience_multiple' });
  });

  it('refuses a missing audience with invalid_target', async () => {
    await expectRefusal(without('audience'), {
      error: 'invalid_target',
      reason: 'audience_missing',
    });
  });

  it('refuses an audience that is no registered client', async () => {
    await expectRefusal(withExtra({ audience: 'no-such-client' }), {
      error: 'invalid_target',
      reason: 'audience_unknown',
    });
  });

  it('refuses the caller itself as audience', async () => {
    await expectRefusal(withExtra({ audience: 'demo-app' }), {
      error: 'invalid_target',
      reason: 'audience_not_allowed',
    });
  });
});
