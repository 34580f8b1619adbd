import { errors } from 'oidc-provider';

import { refuse } from './refusal.ts';

/**
 * The refusal of a subject token whose session was created by a handover: handovers do not
 * chain, so a browser that received a session cannot pass it on (DESIGN invariant 11). The
 * check is part of the statement that stores the new token (storeIssuedLoginHintToken).
 */
export function chainedHandover(): errors.InvalidRequest {
  return refuse(
    new errors.InvalidRequest('subject_token is not acceptable'),
    'subject_from_handover',
  );
}
