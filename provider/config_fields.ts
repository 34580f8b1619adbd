// Readers for the fields of the configuration file: each narrows one value from unknown JSON
// or stops start-up with a one-line error naming the field's path.

/** Raised for any mistake in the configuration file; its message is one line naming the field. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A JSON object as parsed from the file, before validation. */
export type Json = Record<string, unknown>;

/** Answers whether a JSON value is an object (not null, not an array). */
export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Stops with the one-line error for a field. */
export function fail(field: string, problem: string): never {
  throw new ConfigError(`configuration: ${field} ${problem}`);
}

/** Refuses fields this product does not know, so that a typo does not pass silently. */
export function checkKnownFields(object: Json, known: Set<string>, prefix: string): void {
  for (const key of Object.keys(object)) {
    if (!known.has(key) && !key.startsWith('$')) {
      fail(`${prefix}${key}`, 'is not a known field');
    }
  }
}

/** A non-empty string, or the fallback when absent. */
export function readString(object: Json, field: string, path: string, fallback: string): string {
  const value = object[field] ?? fallback;
  if (typeof value !== 'string' || value.length === 0) {
    fail(path, 'must be a non-empty string');
  }
  return value;
}

/** A boolean, or the fallback when absent. */
export function readBoolean(object: Json, field: string, path: string, fallback: boolean): boolean {
  const value = object[field] ?? fallback;
  if (typeof value !== 'boolean') {
    fail(path, 'must be true or false');
  }
  return value;
}

/** A whole number within a range. */
export function readInteger(
  object: Json,
  field: string,
  path: string,
  range: [number, number],
): number {
  const value = object[field];
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    fail(path, 'must be a whole number');
  }
  if (value < range[0] || value > range[1]) {
    fail(path, `must be between ${range[0]} and ${range[1]}`);
  }
  return value;
}
