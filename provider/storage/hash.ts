import { createHash } from 'node:crypto';

/** SHA-256 of a secret identifier, the only form in which one is stored. */
export function hashId(id: string): Buffer {
  return createHash('sha256').update(id, 'utf8').digest();
}
