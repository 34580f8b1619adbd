import { randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

import type { Knex } from 'knex';
import type { Account, FindAccount } from 'oidc-provider';

import type { AccountSeed } from './config.ts';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

// scrypt is memory-hard: N=2^15, r=8 needs 32 MiB per hash, which makes GPU guessing costly.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

/** An account row as the provider reads it. */
export interface AccountRecord {
  id: string;
  username: string;
  claims: Record<string, unknown>;
  disabled: boolean;
}

/** Hashes a password into a self-describing string: scrypt$N$r$p$salt$hash. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, KEY_LENGTH, SCRYPT);
  const params = `${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}`;
  return `scrypt$${params}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Answers whether a password matches a stored hash, in time independent of where they differ. */
export async function isPasswordValid(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) {
    return false;
  }
  const expected = Buffer.from(hash, 'base64url');
  const params = { N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT.maxmem };
  const actual = await scryptAsync(
    password,
    Buffer.from(salt, 'base64url'),
    expected.length,
    params,
  );
  return timingSafeEqual(actual, expected);
}

// Checked against when the username is unknown, so both cases take the same time.
const dummyHash = hashPassword(randomUUID());

/** Checks a username and password; the account when both are right, undefined otherwise. */
export async function authenticate(
  knex: Knex,
  username: string,
  password: string,
): Promise<AccountRecord | undefined> {
  const row = await knex('accounts').where({ username }).first();
  const valid = await isPasswordValid(password, row?.password_hash ?? (await dummyHash));
  if (!row || !valid || row.disabled) {
    return undefined;
  }
  return { id: row.id, username: row.username, claims: row.claims, disabled: row.disabled };
}

/** Loads an active account by id. */
export async function loadAccount(knex: Knex, id: string): Promise<AccountRecord | undefined> {
  const row = await knex('accounts').where({ id, disabled: false }).first();
  return row
    ? { id: row.id, username: row.username, claims: row.claims, disabled: false }
    : undefined;
}

async function seedAccount(knex: Knex, seed: AccountSeed): Promise<void> {
  const existing = await knex('accounts').where({ username: seed.username }).first();
  if (!existing) {
    const passwordHash = await hashPassword(seed.password);
    await knex('accounts')
      .insert({
        id: randomUUID(),
        username: seed.username,
        password_hash: passwordHash,
        claims: seed.claims,
      })
      .onConflict('username')
      .ignore();
    return;
  }
  const passwordChanged = !(await isPasswordValid(seed.password, existing.password_hash));
  const passwordHash = passwordChanged ? await hashPassword(seed.password) : existing.password_hash;
  await knex('accounts')
    .where({ id: existing.id })
    .update({ claims: seed.claims, password_hash: passwordHash });
}

/** Creates or updates the configured accounts; running it again changes nothing. */
export async function seedAccounts(knex: Knex, seeds: AccountSeed[]): Promise<void> {
  for (const seed of seeds) {
    await seedAccount(knex, seed);
  }
}

// Accounts the current request has already read and found active, so the provider's own lookup
// later in the same request needs no second query. Keyed by the request context: gone with it.
const checkedInThisRequest = new WeakMap<object, AccountRecord>();

/** Lets the rest of this request reuse an active account it has just read. */
export function rememberAccountForRequest(ctx: object, account: AccountRecord): void {
  checkedInThisRequest.set(ctx, account);
}

/** The provider's findAccount: standard claims from the account's stored claims. */
export function createFindAccount(knex: Knex): FindAccount {
  return async (ctx, id): Promise<Account | undefined> => {
    const known = checkedInThisRequest.get(ctx);
    const account = known?.id === id ? known : await loadAccount(knex, id);
    if (!account) {
      return undefined;
    }
    return {
      accountId: account.id,
      claims: async () => ({
        ...account.claims,
        preferred_username: account.username,
        sub: account.id,
      }),
    };
  };
}
