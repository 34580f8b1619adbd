import type { Knex } from 'knex';
import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';
import { errors } from 'oidc-provider';

import { log } from '../logging.ts';
import { hashId } from './hash.ts';

const TABLE = 'oidc_models';
const SESSION = 'Session';
const SESSION_UID_INDEX = 'oidc_models_session_uid';

/** Models whose second use is a replay that revokes everything issued under the same grant. */
const REPLAY_REVOKES_GRANT = new Set(['AuthorizationCode', 'RefreshToken']);

interface ModelRow {
  payload: AdapterPayload;
  consumed_at: Date | null;
}

// An interaction's returnTo URL ends in the interaction's id, which is also its cookie's value.
const ID_PLACEHOLDER = '{id}';

/** Removes what must not be stored: the id itself and the raw session cookie of interactions. */
function payloadAtRest(payload: AdapterPayload, id: string): AdapterPayload {
  const { jti: _jti, ...rest } = payload;
  if (typeof rest.returnTo === 'string') {
    rest.returnTo = rest.returnTo.replaceAll(id, ID_PLACEHOLDER);
  }
  const session = rest.session;
  if (session && typeof session === 'object' && 'cookie' in session) {
    const { cookie: _cookie, ...sessionAtRest } = session;
    return { ...rest, session: sessionAtRest };
  }
  return rest;
}

function toPayload(row: ModelRow, id: string | undefined): AdapterPayload {
  const consumed = row.consumed_at ? Math.floor(row.consumed_at.getTime() / 1000) : undefined;
  const { returnTo } = row.payload;
  return {
    ...row.payload,
    ...(typeof returnTo === 'string' && id !== undefined
      ? { returnTo: returnTo.replaceAll(ID_PLACEHOLDER, id) }
      : {}),
    ...(id === undefined ? {} : { jti: id }),
    ...(consumed === undefined ? {} : { consumed }),
  };
}

/** Answers whether an insert failed because the session already has a live row under another id. */
function isLiveSessionConflict(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  return code === '23505' && constraint === SESSION_UID_INDEX;
}

/**
 * Builds the oidc-provider adapter class over one knex handle. Every model shares one table;
 * ids are stored as SHA-256 so that a database dump yields no usable token, code or session id.
 */
export function createAdapter(knex: Knex): AdapterConstructor {
  return class KnexAdapter implements Adapter {
    name: string;

    constructor(name: string) {
      this.name = name;
    }

    rows(): Knex.QueryBuilder {
      return knex(TABLE).where('model', this.name);
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const expiresAt = expiresIn ? knex.raw("now() + ? * interval '1 second'", [expiresIn]) : null;
      const insert = knex(TABLE)
        .insert({
          model: this.name,
          id_hash: hashId(id),
          payload: payloadAtRest(payload, id),
          grant_id: payload.grantId ?? null,
          uid: payload.uid ?? null,
          expires_at: expiresAt,
        })
        .onConflict(['model', 'id_hash'])
        // consumed_at is left alone so that saving a consumed model again cannot revive it.
        .merge(['payload', 'grant_id', 'uid', 'expires_at']);
      if (this.name === SESSION) {
        // A request that loaded a session before it got a new id (or was ended) saves it late:
        // the ended id stays ended instead of coming back to life.
        insert.where(`${TABLE}.consumed_at`, null);
      }
      try {
        await insert;
      } catch (error) {
        if (!isLiveSessionConflict(error)) {
          throw error;
        }
        // Another request already saved this session under a newer id: that save wins, this
        // stale one is dropped rather than failing the request.
        log('warn', 'session_save_superseded', { model: this.name });
      }
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const row: ModelRow | undefined = await this.rows()
        .where('id_hash', hashId(id))
        .first('payload', 'consumed_at');
      const ended = this.name === SESSION && row?.consumed_at;
      return row && !ended ? toPayload(row, id) : undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      // The session id cannot be restored from its hash; callers only read the account and grants.
      const row: ModelRow | undefined = await this.rows()
        .where('uid', uid)
        .whereNull('consumed_at')
        .first('payload', 'consumed_at');
      return row ? toPayload(row, undefined) : undefined;
    }

    async findByUserCode(): Promise<undefined> {
      // The device flow is not enabled, so no model is ever looked up by user code.
      return undefined;
    }

    async consume(id: string): Promise<void> {
      const consumed = await this.rows()
        .where('id_hash', hashId(id))
        .whereNull('consumed_at')
        .update({ consumed_at: knex.fn.now() }, ['grant_id']);
      if (consumed.length === 0 && REPLAY_REVOKES_GRANT.has(this.name)) {
        await this.revokeGrantOfConsumed(id);
        throw new errors.InvalidGrant(`${this.name} already consumed`);
      }
    }

    /** A lost consume race is a replay: end the grant, as the provider does for a reused code. */
    async revokeGrantOfConsumed(id: string): Promise<void> {
      const row: { grant_id: string | null } | undefined = await this.rows()
        .where('id_hash', hashId(id))
        .first('grant_id');
      if (row?.grant_id) {
        await revokeGrant(knex, row.grant_id);
      }
    }

    async destroy(id: string): Promise<void> {
      if (this.name === SESSION) {
        await endSessions(knex, { id_hash: hashId(id) });
        return;
      }
      await this.rows().where('id_hash', hashId(id)).delete();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await this.rows().where('grant_id', grantId).delete();
    }
  };
}

/** Deletes a grant and every token issued under it, in one statement. */
export async function revokeGrant(knex: Knex, grantId: string): Promise<void> {
  await knex(TABLE)
    .where('grant_id', grantId)
    .orWhere((query) => query.where('model', 'Grant').andWhere('id_hash', hashId(grantId)))
    .delete();
}

/**
 * Ends browser sessions by marking their rows (a tombstone until they expire): a late save by
 * a request that loaded the session earlier then cannot bring it back. The cleanup job deletes
 * the rows at their expiry like any other.
 */
async function endSessions(knex: Knex, where: Record<string, unknown>): Promise<void> {
  await knex(TABLE)
    .where({ model: SESSION, ...where })
    .whereNull('consumed_at')
    .update({ consumed_at: knex.fn.now(), payload: {} });
}

/** Ends a browser session by its uid (the session's own id is stored only as a hash). */
export async function destroySessionByUid(knex: Knex, uid: string): Promise<void> {
  await endSessions(knex, { uid });
}
