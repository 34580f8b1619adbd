import pg from 'pg';

/** Runs one query on a database with a short-lived connection of its own. */
export async function query<Row extends Record<string, unknown>>(
  url: string,
  sql: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** The uids of every live browser session (an ended session's row stays as a tombstone). */
export async function sessionUids(url: string): Promise<Set<string>> {
  const rows = await query<{ uid: string }>(
    url,
    "select uid from oidc_models where model = 'Session' and consumed_at is null",
  );
  return new Set(rows.map((row) => row.uid));
}

/** What the login_hint_token table says about consumption and the sessions it led to. */
export interface TokenState {
  consumed: number;
  unconsumed: number;
  /** Sessions recorded by consumed tokens (created or reused). */
  sessionUids: Set<string>;
  /** Rows that name a session but were never consumed: must not exist. */
  sessionWithoutConsume: number;
}

/** Summarises the login_hint_tokens table. */
export async function tokenState(url: string): Promise<TokenState> {
  const rows = await query<{ consumed_at: Date | null; session_uid: string | null }>(
    url,
    'select consumed_at, session_uid from login_hint_tokens',
  );
  return {
    consumed: rows.filter((row) => row.consumed_at).length,
    unconsumed: rows.filter((row) => !row.consumed_at).length,
    sessionUids: new Set(rows.flatMap((row) => (row.session_uid ? [row.session_uid] : []))),
    sessionWithoutConsume: rows.filter((row) => row.session_uid && !row.consumed_at).length,
  };
}
