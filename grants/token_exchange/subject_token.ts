import { hash, X509Certificate } from 'node:crypto';

import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import type { AccessToken, KoaContextWithOIDC, RefreshToken } from 'oidc-provider';
import { errors } from 'oidc-provider';
import * as grantHelpers from 'oidc-provider/lib/helpers/grants.js';

import { revokeGrant } from '../../provider/storage/adapter.ts';
import type { SubjectTokenInput } from './parameters.ts';
import type { ExchangeReason } from './reasons.ts';
import { refuse } from './refusal.ts';

type TokenContext = Parameters<typeof grantHelpers.validateDpop>[1];
type DPoPResult = Awaited<ReturnType<typeof grantHelpers.validateDpop>>;

/** What the exchange takes from an accepted subject token. */
export interface Subject {
  accountId: string;
  grantId: string;
  authTime: number;
  amr: string[] | undefined;
  acr: string | undefined;
  sessionUid: string | undefined;
}

// RFC 8693 §2.2.2: an unacceptable subject token is invalid_request. The description stays
// the same for every cause so that it cannot be used to probe tokens; the audit has the cause.
function unacceptable(reason: ExchangeReason): errors.InvalidRequest {
  return refuse(new errors.InvalidRequest('subject_token is not acceptable'), reason);
}

async function findToken(
  provider: Provider,
  input: SubjectTokenInput,
): Promise<RefreshToken | AccessToken | undefined> {
  // Expired tokens are found and refused by name, as the refresh_token grant does.
  const options = { ignoreExpiration: true };
  if (input.type === 'refresh_token') {
    return provider.RefreshToken.find(input.value, options);
  }
  return provider.AccessToken.find(input.value, options);
}

/** The provider's "no certificate" refusal, tagged with our reason as it is created. */
class CertificateMissing extends errors.InvalidRequest {
  constructor(description: string) {
    super(description);
    refuse(this, 'subject_mtls_mismatch');
  }
}

function checkCertificate(
  provider: Provider,
  ctx: TokenContext,
  token: { 'x5t#S256'?: string },
): void {
  const certificate = grantHelpers.checkMtlsCert(provider, ctx, CertificateMissing);
  const bound = token['x5t#S256'];
  if (bound === undefined) {
    return;
  }
  // Fails closed: a bound token without a certificate we can read is refused.
  const der = certificate ? new X509Certificate(certificate.toString()).raw : undefined;
  if (!der || hash('sha256', der, 'base64url') !== bound) {
    throw unacceptable('subject_mtls_mismatch');
  }
}

function checkKeyBinding(token: { jkt?: string }, dPoP: DPoPResult): void {
  if (token.jkt === undefined) {
    return;
  }
  if (!dPoP) {
    throw unacceptable('subject_dpop_missing');
  }
  if (dPoP.thumbprint !== token.jkt) {
    throw unacceptable('subject_dpop_mismatch');
  }
}

async function loadOwnToken(
  provider: Provider,
  ctx: KoaContextWithOIDC,
  input: SubjectTokenInput,
): Promise<RefreshToken | AccessToken> {
  const token = await findToken(provider, input);
  if (!token) {
    throw unacceptable('subject_not_found');
  }

  if (token.clientId !== ctx.oidc.client!.clientId) {
    throw unacceptable('subject_other_client');
  }

  if (token.isExpired) {
    throw unacceptable('subject_expired');
  }
  return token;
}

async function checkGrant(
  provider: Provider,
  ctx: KoaContextWithOIDC,
  token: RefreshToken | AccessToken,
): Promise<void> {
  const grant = token.grantId
    ? await provider.Grant.find(token.grantId, { ignoreExpiration: true })
    : undefined;
  const live = grant && !grant.isExpired;
  if (!live || grant.clientId !== token.clientId || grant.accountId !== token.accountId) {
    throw unacceptable('subject_revoked');
  }
  ctx.oidc.entity('Grant', grant);
}

async function checkAccount(
  provider: Provider,
  ctx: TokenContext,
  token: RefreshToken | AccessToken,
): Promise<void> {
  const account = await grantHelpers.findAccount(provider, ctx, token.accountId!, token);
  if (!account) {
    throw unacceptable('subject_account_inactive');
  }
  ctx.oidc.entity('Account', account);
}

async function checkConsumed(
  provider: Provider,
  ctx: KoaContextWithOIDC,
  token: RefreshToken,
  knex: Knex,
): Promise<void> {
  if (!token.consumed) {
    return;
  }
  // A rotated refresh token used again means two holders: end the grant, as the refresh_token
  // grant does, so that the thief's copy dies with the rightful one.
  await revokeGrant(knex, token.grantId!);
  provider.emit('grant.revoked', ctx, token.grantId);
  throw unacceptable('subject_consumed');
}

function toSubject(token: RefreshToken | AccessToken, input: SubjectTokenInput): Subject {
  // Refresh tokens carry the authentication in their payload; opaque access tokens carry it in
  // `extra`, put there by this product's extraTokenClaims.
  const source = input.type === 'refresh_token' ? (token as RefreshToken) : undefined;
  const extra = (token as AccessToken).extra ?? {};
  const authTime = source ? source.authTime : extra.auth_time;
  if (typeof authTime !== 'number') {
    throw unacceptable('subject_without_auth_time');
  }
  const amr = source ? source.amr : extra.amr;
  const acr = source ? source.acr : extra.acr;
  return {
    accountId: token.accountId!,
    grantId: token.grantId!,
    authTime,
    amr: Array.isArray(amr) ? amr.map(String) : undefined,
    acr: typeof acr === 'string' ? acr : undefined,
    sessionUid: token.sessionUid,
  };
}

/**
 * Loads the subject token and checks it in the order of oidc-provider's refresh_token grant:
 * proof, owner, expiry, certificate, grant, proof replay, key binding, account, rotation replay.
 * Nothing is saved: the exchange neither rotates nor extends the subject token.
 */
export async function loadSubjectToken(
  provider: Provider,
  ctx: TokenContext,
  input: SubjectTokenInput,
  knex: Knex,
): Promise<Subject> {
  const dPoP = await grantHelpers.validateDpop(provider, ctx);
  const token = await loadOwnToken(provider, ctx, input);
  checkCertificate(provider, ctx, token);
  if (!dPoP && ctx.oidc.client.dpopBoundAccessTokens) {
    throw refuse(new errors.InvalidRequest('DPoP proof JWT not provided'), 'dpop_proof_required');
  }

  await checkGrant(provider, ctx, token);
  const { clientId } = ctx.oidc.client;
  await grantHelpers.checkDpopReplay(provider, ctx, dPoP, clientId, errors.InvalidRequest);
  checkKeyBinding(token, dPoP);
  await checkAccount(provider, ctx, token);
  if (input.type === 'refresh_token') {
    await checkConsumed(provider, ctx, token as RefreshToken, knex);
  }
  return toSubject(token, input);
}
