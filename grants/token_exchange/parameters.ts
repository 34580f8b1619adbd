import type { KoaContextWithOIDC } from 'oidc-provider';
import { errors } from 'oidc-provider';

import type { SubjectTokenType } from '../../provider/config.ts';
import { LOGIN_HINT_TOKEN_TYPE, TOKEN_TYPE } from '../token_types.ts';
import { refuse } from './refusal.ts';

/** The parameters the grant declares to oidc-provider; anything else is stripped before us. */
export const EXCHANGE_PARAMETERS = [
  'subject_token',
  'subject_token_type',
  'audience',
  'requested_token_type',
  'resource',
  'scope',
  'actor_token',
  'actor_token_type',
];

/** Parameters that may repeat: a repeated audience is refused by us with invalid_target. */
export const EXCHANGE_REPEATABLE_PARAMETERS = ['audience', 'resource'];

/** The token endpoint parameters of a token exchange, as oidc-provider hands them over. */
export interface ExchangeParams {
  subject_token?: string;
  subject_token_type?: string;
  audience?: string | string[];
  requested_token_type?: string;
  resource?: string | string[];
  scope?: string;
  actor_token?: string;
  actor_token_type?: string;
}

/** A subject token and the kind it was declared as, after the parameter checks. */
export interface SubjectTokenInput {
  value: string;
  type: SubjectTokenType;
}

const ID_TOKEN_REFUSAL =
  'an ID token is an assertion addressed to this client, not a credential: it cannot be ' +
  'revoked or bound to a key; send the refresh token (or an opaque access token) instead';

const JWT_ACCESS_TOKEN_REFUSAL =
  'structured (JWT) access tokens cannot be checked for revocation; send the refresh token ' +
  'or an opaque access token of this provider instead';

// Three (JWS) or five (JWE) base64url segments: the shape of a structured token.
const JWT_SHAPE = /^[\w-]+(\.[\w-]*){2}((\.[\w-]*){2})?$/;

function checkUnusedParameters(params: ExchangeParams): void {
  if (params.requested_token_type !== undefined) {
    if (params.requested_token_type !== LOGIN_HINT_TOKEN_TYPE) {
      throw refuse(
        new errors.InvalidRequest(`requested_token_type must be ${LOGIN_HINT_TOKEN_TYPE}`),
        'requested_token_type_unsupported',
      );
    }
  }

  if (params.resource !== undefined) {
    const error = new errors.InvalidRequest('resource is not supported by this exchange');
    throw refuse(error, 'resource_not_supported');
  }

  if (params.actor_token !== undefined || params.actor_token_type !== undefined) {
    const error = new errors.InvalidRequest('actor_token is not supported by this exchange');
    throw refuse(error, 'actor_token_not_supported');
  }

  if (params.scope !== undefined) {
    const error = new errors.InvalidRequest('scope is not supported by this exchange');
    throw refuse(error, 'scope_not_supported');
  }
}

function checkPresent(value: string | undefined, name: string): string {
  if (value === undefined) {
    const error = new errors.InvalidRequest(`missing required parameter '${name}'`);
    throw refuse(error, 'parameter_missing');
  }
  return value;
}

function checkSubjectType(declared: string, enabled: SubjectTokenType[]): SubjectTokenType {
  if (declared === TOKEN_TYPE.id_token) {
    throw refuse(new errors.InvalidRequest(ID_TOKEN_REFUSAL), 'subject_id_token');
  }

  const type = (['refresh_token', 'access_token'] as const).find(
    (name) => TOKEN_TYPE[name] === declared,
  );
  if (type === undefined) {
    const error = new errors.InvalidRequest('unsupported subject_token_type');
    throw refuse(error, 'subject_type_unsupported');
  }

  if (!enabled.includes(type)) {
    const error = new errors.InvalidRequest('this subject_token_type is not accepted here');
    throw refuse(error, 'subject_type_disabled');
  }
  return type;
}

/**
 * Checks what the exchange does not use (refused, never ignored: RFC 8693 §2.2.2) and what it
 * needs; returns the subject token and its declared type.
 */
export function checkParameters(
  ctx: KoaContextWithOIDC,
  enabledTypes: SubjectTokenType[],
): SubjectTokenInput {
  const params = ctx.oidc.params as ExchangeParams;
  checkUnusedParameters(params);

  const value = checkPresent(params.subject_token, 'subject_token');
  const declared = checkPresent(params.subject_token_type, 'subject_token_type');
  const type = checkSubjectType(declared, enabledTypes);

  if (type === 'access_token' && JWT_SHAPE.test(value)) {
    throw refuse(new errors.InvalidRequest(JWT_ACCESS_TOKEN_REFUSAL), 'subject_jwt_access_token');
  }
  return { value, type };
}
