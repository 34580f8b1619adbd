import { hashId } from '../../provider/storage/hash.ts';
import { isLoginHintTokenShaped } from '../login_hint_token.ts';

// A different prefix from the token's: a reference is not a secret scanners should flag.
const REFERENCE_PREFIX = 'sha256:';
const REFERENCE_PATTERN = /^sha256:[A-Za-z0-9_-]{43}$/;

/**
 * The form in which a pushed request or an interaction keeps a login_hint_token: its SHA-256.
 * It names the stored row without being the token; /auth accepts it only from a pushed request.
 */
export function createTokenReference(hash: Buffer): string {
  return REFERENCE_PREFIX + hash.toString('base64url');
}

/** Answers whether a value has the shape of a token reference. */
export function isTokenReference(value: unknown): value is string {
  return typeof value === 'string' && REFERENCE_PATTERN.test(value);
}

/** The token hash a reference names. */
export function referencedHash(reference: string): Buffer {
  return Buffer.from(reference.slice(REFERENCE_PREFIX.length), 'base64url');
}

/** The hash of a raw token, or undefined when the value does not look like one. */
export function rawTokenHash(value: unknown): Buffer | undefined {
  return isLoginHintTokenShaped(value) ? hashId(value) : undefined;
}
