import { readFile, rm, writeFile } from 'node:fs/promises';

/** What the app keeps between runs (a real app would use the platform's secure storage). */
export interface StoredTokens {
  issuer: string;
  refresh_token: string;
  id_token: string;
  /** Claims of the ID token, for `whoami` without a network call. */
  claims: Record<string, unknown>;
}

/** The token file: APP_TOKENS_FILE, or tokens.json next to the app (ignored by git). */
export function tokenFilePath(): string {
  return process.env.APP_TOKENS_FILE ?? new URL('tokens.json', import.meta.url).pathname;
}

/** Reads the stored tokens, if the app is signed in. */
export async function loadTokens(): Promise<StoredTokens | undefined> {
  try {
    return JSON.parse(await readFile(tokenFilePath(), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Stores the tokens, readable by this user only. */
export async function saveTokens(tokens: StoredTokens): Promise<void> {
  await writeFile(tokenFilePath(), `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
}

/** Forgets the stored tokens. */
export async function removeTokens(): Promise<void> {
  await rm(tokenFilePath(), { force: true });
}
