/**
 * Every secret the test run handled (tokens, codes, cookie values, passwords). The leakage
 * test searches logs and database dumps for each of them.
 */
export const createdSecrets = new Set<string>();

// Shorter values (a cookie flag, a test password fragment) would match by coincidence.
const MIN_SECRET_LENGTH = 7;

/** Remembers secrets so the leakage test can prove they never reach logs or rows at rest. */
export function rememberSecret(...values: (string | undefined)[]): void {
  for (const value of values) {
    if (value && value.length >= MIN_SECRET_LENGTH) {
      createdSecrets.add(value);
    }
  }
}
