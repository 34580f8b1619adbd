/** Fields of one structured log line; values are never tokens, codes, cookies or passwords. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** Where log lines go; tests replace it to capture every line. */
export const logSink: { write: (line: string) => void } = {
  write: (line) => process.stdout.write(`${line}\n`),
};

/** Writes one JSON log line. */
export function log(level: 'info' | 'warn' | 'error', event: string, fields: LogFields = {}): void {
  logSink.write(JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }));
}

/** The class and message of an unexpected error, for a log line without a stack trace. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'non-error thrown';
}
