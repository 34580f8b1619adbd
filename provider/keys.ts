import { randomBytes } from 'node:crypto';

import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Knex } from 'knex';

const SIGNING = 'signing';
const COOKIE = 'cookie';
// Any constant works: it only serialises key generation between instances starting together.
const KEY_GENERATION_LOCK = 0x6b657973;

/** The key material every instance shares: signing keys (newest first) and cookie keys. */
export interface ProviderKeys {
  jwks: { keys: JWK[] };
  cookieKeys: string[];
}

async function createSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, alg: 'RS256', use: 'sig', kid: await calculateJwkThumbprint(jwk) };
}

function createCookieKey(): string {
  return randomBytes(32).toString('base64url');
}

async function insertKey(knex: Knex, kind: string, material: unknown): Promise<void> {
  await knex('keys').insert({ kind, material: JSON.stringify(material) });
}

async function loadMaterial<T>(knex: Knex, kind: string): Promise<T[]> {
  const rows: { material: T }[] = await knex('keys')
    .where('kind', kind)
    .orderBy('id', 'desc')
    .select('material');
  return rows.map((row) => row.material);
}

/** Generates the first keys once; instances starting at the same time wait for each other. */
async function ensureKeys(knex: Knex): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(?)', [KEY_GENERATION_LOCK]);
    const existing = await trx('keys').select('kind').groupBy('kind');
    const kinds = new Set(existing.map((row: { kind: string }) => row.kind));
    if (!kinds.has(SIGNING)) {
      await insertKey(trx, SIGNING, await createSigningKey());
    }
    if (!kinds.has(COOKIE)) {
      await insertKey(trx, COOKIE, createCookieKey());
    }
  });
}

/** Loads the shared keys, generating them on the very first start. */
export async function loadKeys(knex: Knex): Promise<ProviderKeys> {
  await ensureKeys(knex);
  const keys = await loadMaterial<JWK>(knex, SIGNING);
  const cookieKeys = await loadMaterial<string>(knex, COOKIE);
  return { jwks: { keys }, cookieKeys };
}

/**
 * Adds a new signing key. It signs from the next start of each instance on; older keys stay
 * published for verification of what they signed.
 */
export async function rotateSigningKey(knex: Knex): Promise<string> {
  const key = await createSigningKey();
  await insertKey(knex, SIGNING, key);
  return key.kid ?? '';
}
