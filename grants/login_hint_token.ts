import { randomBytes } from 'node:crypto';

import type { Knex } from 'knex';

import { hashId } from '../provider/storage/hash.ts';

/** Every login_hint_token starts with this, so secret scanners can recognise a leaked one. */
export const LOGIN_HINT_TOKEN_PREFIX = 'ohlht_';

// 32 random bytes are 256 bits: far beyond guessing, for a value that lives a minute.
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^ohlht_[A-Za-z0-9_-]{43}$/;
const TABLE = 'login_hint_tokens';

/** What a login_hint_token stands for; the raw token is never part of it. */
export interface HandoverGrant {
  accountId: string;
  sourceClientId: string;
  targetClientId: string;
  sourceGrantId: string;
  authTime: number;
  amr: string[] | undefined;
  acr: string | undefined;
  callerIp: string;
}

/** A stored login_hint_token row as the redemption reads it. */
export interface StoredLoginHintToken extends HandoverGrant {
  expiresAt: Date;
  consumedAt: Date | null;
  sessionUid: string | null;
  sessionCreated: boolean;
}

/** A login_hint_tokens row as the database returns it. */
export interface Row {
  account_id: string;
  source_client_id: string;
  target_client_id: string;
  source_grant_id: string;
  auth_time: string | number;
  amr: string[] | null;
  acr: string | null;
  caller_ip: string;
  expires_at: Date;
  consumed_at: Date | null;
  session_uid: string | null;
  session_created: boolean;
}

/** A stored row in the shape the redemption reads. */
export function fromRow(row: Row): StoredLoginHintToken {
  return {
    accountId: row.account_id,
    sourceClientId: row.source_client_id,
    targetClientId: row.target_client_id,
    sourceGrantId: row.source_grant_id,
    // pg returns bigint as a string, PGlite as a number.
    authTime: Number(row.auth_time),
    amr: row.amr ?? undefined,
    acr: row.acr ?? undefined,
    callerIp: row.caller_ip,
    expiresAt: row.expires_at,
    consumedAt: row.consumed_at,
    sessionUid: row.session_uid,
    sessionCreated: row.session_created,
  };
}

/**
 * A token as the queries below accept it: the raw value, or its SHA-256 (the form in which a
 * pushed request or an interaction keeps it, so that neither ever holds the raw token).
 */
export type LoginHintTokenKey = string | Buffer;

function keyHash(token: LoginHintTokenKey): Buffer {
  return typeof token === 'string' ? hashId(token) : token;
}

/** Answers whether a value has the shape of a login_hint_token (prefix and length). */
export function isLoginHintTokenShaped(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_PATTERN.test(value);
}

/** Creates a new random token value; only its hash is ever stored. */
export function createLoginHintTokenValue(): string {
  return LOGIN_HINT_TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
}

/** The columns of a new token's row, the raw value reduced to its hash. */
export function tokenColumns(token: string, grant: HandoverGrant): Record<string, unknown> {
  return {
    id_hash: hashId(token),
    account_id: grant.accountId,
    source_client_id: grant.sourceClientId,
    target_client_id: grant.targetClientId,
    source_grant_id: grant.sourceGrantId,
    auth_time: grant.authTime,
    amr: grant.amr ? JSON.stringify(grant.amr) : null,
    acr: grant.acr ?? null,
    caller_ip: grant.callerIp,
  };
}

/** Reads a token's row without changing it (to explain a refusal, or to check at PAR). */
export async function loadLoginHintToken(
  knex: Knex,
  token: LoginHintTokenKey,
): Promise<(StoredLoginHintToken & { expired: boolean }) | undefined> {
  const row = await knex(TABLE)
    .where('id_hash', keyHash(token))
    .first('*', knex.raw('expires_at <= now() as expired'));
  return row ? { ...fromRow(row), expired: Boolean(row.expired) } : undefined;
}

/** The conditions a redemption adds to the atomic consume. */
export interface ConsumeConditions {
  targetClientId: string;
  /** The browser's IP when device binding is on; undefined turns the comparison off. */
  callerIp: string | undefined;
}

/**
 * Consumes a token in one statement: it must exist, be unconsumed, unexpired by the database
 * clock, addressed to the client and (with binding) called from the same IP. Exactly one of
 * any number of concurrent callers, on any number of instances, gets the row back.
 */
export async function consumeLoginHintToken(
  knex: Knex,
  token: LoginHintTokenKey,
  conditions: ConsumeConditions,
): Promise<StoredLoginHintToken | undefined> {
  const query = knex(TABLE)
    .where('id_hash', keyHash(token))
    .whereNull('consumed_at')
    .andWhere('expires_at', '>', knex.fn.now())
    .andWhere('target_client_id', conditions.targetClientId);
  if (conditions.callerIp !== undefined) {
    query.andWhere('caller_ip', conditions.callerIp);
  }
  const rows: Row[] = await query.update({ consumed_at: knex.fn.now() }, '*');
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** Records which browser session a consumed token led to, and whether it created it. */
export async function recordRedemptionSession(
  knex: Knex,
  token: LoginHintTokenKey,
  session: { uid: string; created: boolean },
): Promise<void> {
  await knex(TABLE)
    .where('id_hash', keyHash(token))
    .update({ session_uid: session.uid, session_created: session.created });
}

/** Deletes the unconsumed tokens minted from a grant (it was revoked); returns how many. */
export async function deleteUnusedLoginHintTokens(
  knex: Knex,
  sourceGrantId: string,
): Promise<number> {
  // With returning rows both drivers answer the same way (PGlite reports counts differently).
  const deleted: unknown[] = await knex(TABLE)
    .where('source_grant_id', sourceGrantId)
    .whereNull('consumed_at')
    .delete(['source_grant_id']);
  return deleted.length;
}

/** The browser sessions that tokens minted from a grant created (not those they reused). */
export async function loadCreatedSessionUids(knex: Knex, sourceGrantId: string): Promise<string[]> {
  const rows: { session_uid: string }[] = await knex(TABLE)
    .where({ source_grant_id: sourceGrantId, session_created: true })
    .whereNotNull('session_uid')
    .distinct('session_uid');
  return rows.map((row) => row.session_uid);
}
