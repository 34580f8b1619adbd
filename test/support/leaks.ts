import { query } from './inspect.ts';
import type { PostgresServer } from './postgres.ts';

/** Every row of every table of every database on the server, each row as text. */
export async function dumpEveryDatabase(server: PostgresServer): Promise<string[]> {
  const databases = await query<{ name: string }>(
    server.url(),
    "select datname as name from pg_database where not datistemplate and datname <> 'postgres'",
  );
  const rows: string[] = [];
  for (const { name } of databases) {
    rows.push(...(await dumpDatabase(server.url(name))));
  }
  return rows;
}

async function dumpDatabase(url: string): Promise<string[]> {
  const tables = await query<{ name: string }>(
    url,
    "select table_name as name from information_schema.tables where table_schema = 'public'",
  );
  const rows: string[] = [];
  for (const { name } of tables) {
    const dumped = await query<{ row: string }>(url, `select t::text as row from "${name}" t`);
    rows.push(...dumped.map(({ row }) => `${name}: ${row}`));
  }
  return rows;
}

/**
 * Which secrets occur in the haystack, described without repeating them whole (a failing
 * test's message must not become a leak of its own).
 */
export function findSecrets(haystack: string[], secrets: Iterable<string>): string[] {
  const text = haystack.join('\n');
  const found: string[] = [];
  for (const secret of secrets) {
    const at = text.indexOf(secret);
    if (at !== -1) {
      const line = text.slice(text.lastIndexOf('\n', at) + 1, at).slice(0, 80);
      found.push(`${secret.slice(0, 4)}… after "${line}"`);
    }
  }
  return found;
}
