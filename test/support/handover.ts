import { request } from 'node:http';

import type { Knex } from 'knex';
import * as client from 'openid-client';
import { settleCascades } from '../../grants/redemption/cascade.ts';
import {
  LOGIN_HINT_TOKEN_TYPE,
  TOKEN_EXCHANGE_GRANT,
  TOKEN_TYPE,
} from '../../grants/token_types.ts';
import { hashId } from '../../provider/storage/hash.ts';
import {
  appClient,
  appLogin,
  authorizationRequest,
  DEMO,
  type PendingLogin,
  websiteClient,
} from './clients.ts';
import { startTestProvider, type TestProvider } from './provider.ts';
import { formAction, type Hop, type UserAgent } from './user_agent.ts';

/** How a test token differs from an ordinary one. */
export interface MintOptions {
  audience?: string;
  /** Seconds until expiry; zero or negative makes a token that is already expired. */
  ttl?: number;
  /** Moves the stored original login this many seconds into the past (an older app login). */
  ageSeconds?: number;
}

async function subjectTokenType(provider: TestProvider, value: string): Promise<string> {
  const refresh = await provider.provider.RefreshToken.find(value);
  return refresh ? TOKEN_TYPE.refresh_token : TOKEN_TYPE.access_token;
}

async function exchange(provider: TestProvider, appToken: string, audience: string) {
  const config = await appClient(provider.url);
  const response = await client.genericGrantRequest(config, TOKEN_EXCHANGE_GRANT, {
    subject_token: appToken,
    subject_token_type: await subjectTokenType(provider, appToken),
    requested_token_type: LOGIN_HINT_TOKEN_TYPE,
    audience,
  });
  return response.access_token;
}

/**
 * Gets a login_hint_token for an app token through the real token exchange (POST /token),
 * as the app does; the options then age or expire the stored row instead of waiting.
 */
export async function mintLoginHintToken(
  provider: TestProvider,
  appToken: string,
  options: MintOptions = {},
): Promise<string> {
  const token = await exchange(provider, appToken, options.audience ?? DEMO.website.clientId);
  const row = provider.database.knex('login_hint_tokens').where('id_hash', hashId(token));
  if (options.ageSeconds) {
    await row.clone().decrement('auth_time', options.ageSeconds);
  }
  if (options.ttl !== undefined) {
    const ttl = options.ttl;
    await row.clone().update({
      expires_at: provider.database.knex.raw("now() + ? * interval '1 second'", [ttl]),
    });
  }
  return token;
}

/** Starts a website login carrying a token in the browser; returns the last hop and request. */
export async function handoverLogin(
  agent: UserAgent,
  config: client.Configuration,
  params: Record<string, string>,
): Promise<{ hop: Hop; pending: PendingLogin }> {
  const pending = await authorizationRequest(config, params);
  return { hop: await agent.go(pending.url), pending };
}

/** The reason codes of the audit log so far, oldest first. */
export async function auditReasons(knex: Knex, event?: string): Promise<string[]> {
  const query = knex('audit_events').orderBy('id');
  if (event) {
    query.where({ event });
  }
  const rows: { reason: string }[] = await query.select('reason');
  return rows.map((row) => row.reason);
}

/** The last audit reason written for an event. */
export async function lastAuditReason(knex: Knex, event: string): Promise<string | undefined> {
  return (await auditReasons(knex, event)).at(-1);
}

/** Waits until every cascade the provider started has finished. */
export function cascadesSettled(provider: TestProvider): Promise<void> {
  return settleCascades(provider.provider);
}

/** A GET sent from another local source address (another device, as far as the IP goes). */
export function getFromAddress(
  localAddress: string,
  url: URL,
): Promise<{ status: number; location: URL | undefined }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { localAddress }, (response) => {
      response.resume();
      const { location } = response.headers;
      resolve({
        status: response.statusCode ?? 0,
        location: location ? new URL(location, url) : undefined,
      });
    });
    outgoing.once('error', reject);
    outgoing.end();
  });
}

/** Submits the page's first form with its hidden fields, as the browser's script would. */
export async function submitHiddenForm(agent: UserAgent, page: Hop): Promise<Hop> {
  const html = await page.response.text();
  const fields = Object.fromEntries(
    [...html.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
  );
  return agent.go(formAction(html, page.url), { form: fields });
}

/** What most redemption tests start from: a provider, demo-website's client, alice's app token. */
export interface HandoverStage {
  provider: TestProvider;
  website: client.Configuration;
  refreshToken: string;
}

/** Sets a HandoverStage up before the enclosing describe's tests and closes it after them. */
export function useHandoverStage(): HandoverStage {
  const stage = {} as HandoverStage;
  before(async () => {
    stage.provider = await startTestProvider();
    stage.website = await websiteClient(stage.provider.url);
    stage.refreshToken = (await appLogin(stage.provider.url, DEMO.alice)).tokens.refresh_token!;
  });
  after(async () => {
    await stage.provider.close();
  });
  return stage;
}
