import { lookup } from 'node:dns/promises';
import { request } from 'node:http';

import type { Knex } from 'knex';
import type * as client from 'openid-client';

import {
  createLoginHintTokenValue,
  type HandoverGrant,
  storeLoginHintToken,
} from '../../grants/login_hint_token.ts';
import { settleCascades } from '../../grants/redemption/cascade.ts';
import { hashId } from '../../provider/storage/hash.ts';
import { authorizationRequest, DEMO, type PendingLogin } from './clients.ts';
import type { TestProvider } from './provider.ts';
import { formAction, type Hop, type UserAgent } from './user_agent.ts';

/** The IP the provider sees for a request to `localhost` from this process. */
export async function localhostIp(): Promise<string> {
  const { address } = await lookup('localhost');
  return address;
}

/** How a test token differs from an ordinary one. */
export interface MintOptions {
  audience?: string;
  callerIp?: string;
  /** Seconds until expiry; zero or negative makes a token that is already expired. */
  ttl?: number;
  /** Moves the stored original login this many seconds into the past (an older app login). */
  ageSeconds?: number;
}

interface SourceToken {
  accountId: string;
  clientId: string;
  grantId: string;
  authTime?: number | undefined;
  amr?: string[] | undefined;
  acr?: string | undefined;
}

async function findSourceToken(provider: TestProvider, value: string): Promise<SourceToken> {
  const found =
    (await provider.provider.RefreshToken.find(value)) ??
    (await provider.provider.AccessToken.find(value));
  if (!found?.accountId || !found.grantId) {
    throw new Error('the app token is not active');
  }
  return found as SourceToken;
}

/**
 * Mints a login_hint_token for an app token, with the data the token exchange stores (its
 * grant, account, original auth_time, amr and acr). The only place tests mint tokens: it
 * can switch to the real exchange over HTTP without touching the tests.
 */
export async function mintLoginHintToken(
  provider: TestProvider,
  appToken: string,
  options: MintOptions = {},
): Promise<string> {
  const source = await findSourceToken(provider, appToken);
  const grant: HandoverGrant = {
    accountId: source.accountId,
    sourceClientId: source.clientId,
    targetClientId: options.audience ?? DEMO.website.clientId,
    sourceGrantId: source.grantId,
    authTime: source.authTime ?? Math.floor(Date.now() / 1000),
    amr: source.amr,
    acr: source.acr,
    callerIp: options.callerIp ?? (await localhostIp()),
  };
  const token = createLoginHintTokenValue();
  const { knex } = provider.database;
  await storeLoginHintToken(knex, token, grant, options.ttl ?? 60);
  if (options.ageSeconds) {
    await knex('login_hint_tokens')
      .where('id_hash', hashId(token))
      .update({ auth_time: grant.authTime - options.ageSeconds });
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
