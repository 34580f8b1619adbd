import type { Knex } from 'knex';
import * as client from 'openid-client';
import {
  LOGIN_HINT_TOKEN_TYPE,
  TOKEN_EXCHANGE_GRANT,
  TOKEN_TYPE,
} from '../../grants/token_types.ts';
import { hashId } from '../../provider/storage/hash.ts';
import { appClient, authorizationRequest, DEMO, loginThroughForm } from './clients.ts';
import { UserAgent } from './user_agent.ts';

/** The form of a token exchange of the demo app's refresh token for demo-website. */
export function exchangeForm(refreshToken: string): Record<string, string> {
  return {
    grant_type: TOKEN_EXCHANGE_GRANT,
    client_id: DEMO.app.clientId,
    subject_token: refreshToken,
    subject_token_type: TOKEN_TYPE.refresh_token,
    requested_token_type: LOGIN_HINT_TOKEN_TYPE,
    audience: DEMO.website.clientId,
  };
}

/** Posts a raw form to the token endpoint; pairs allow repeated parameters. */
export async function postToken(
  issuer: string,
  form: Record<string, string> | [string, string][],
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(new URL('/token', issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, body, headers: response.headers };
}

/** The audit events of the exchange, oldest first. */
export async function auditEvents(
  knex: Knex,
): Promise<
  { event: string; reason: string; client_id: string | null; account_id: string | null }[]
> {
  return knex('audit_events').orderBy('id');
}

/** The reason of the newest audit event. */
export async function lastAuditReason(knex: Knex): Promise<string | undefined> {
  const row = await knex('audit_events').orderBy('id', 'desc').first('reason');
  return row?.reason;
}

/** Marks a stored token as expired by moving its `exp` into the past (no waiting). */
export async function expireToken(knex: Knex, model: string, value: string): Promise<void> {
  const past = Math.floor(Date.now() / 1000) - 10;
  await knex('oidc_models')
    .where({ model, id_hash: hashId(value) })
    .update({ payload: knex.raw("jsonb_set(payload, '{exp}', ?::jsonb)", [String(past)]) });
}

/** Signs the demo app in with DPoP-bound tokens (RFC 9449) under the given key pair. */
export async function appLoginWithDpop(
  issuer: string,
  keyPair: Parameters<typeof client.getDPoPHandle>[1],
) {
  const config = await appClient(issuer);
  const agent = new UserAgent(issuer);
  const pending = await authorizationRequest(config, {
    redirect_uri: DEMO.app.redirectUri,
    scope: 'openid profile email offline_access',
    prompt: 'consent',
  });
  const callback = await loginThroughForm(agent, pending, DEMO.alice);
  const DPoP = client.getDPoPHandle(config, keyPair);
  const tokens = await client.authorizationCodeGrant(
    config,
    callback.location!,
    {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
    },
    undefined,
    { DPoP },
  );
  return { config, tokens, DPoP };
}
