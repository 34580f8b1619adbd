import fc from 'fast-check';

/** One name=value pair of a form or query; a Buffer value is sent as raw bytes. */
export type Field = [name: string, value: string | Buffer];

/** What a mutation does to one parameter. */
export type MutationOp =
  | 'remove'
  | 'empty'
  | 'duplicate'
  | 'garbage'
  | 'oversized'
  | 'nonUtf8'
  | 'wrongType'
  | 'unknownType'
  | 'tokenShaped';

/** One change to an otherwise valid request. */
export interface Mutation {
  param: string;
  op: MutationOp;
  text: string;
}

/** RFC 6749 §5.2 and RFC 8693 §2.2.2 error codes of the token endpoint. */
export const TOKEN_ERRORS = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
];

/** RFC 6749 §4.1.2.1 and OpenID Connect Core §3.1.2.6 authorization error codes. */
export const AUTHORIZATION_ERRORS = [
  'invalid_request',
  'unauthorized_client',
  'access_denied',
  'unsupported_response_type',
  'invalid_scope',
  'interaction_required',
  'login_required',
  'account_selection_required',
  'consent_required',
  'invalid_request_uri',
  'invalid_request_object',
  'unmet_authentication_requirements',
];

const TOKEN_PARAMS = [
  'grant_type',
  'client_id',
  'subject_token',
  'subject_token_type',
  'requested_token_type',
  'audience',
];
// Parameters the exchange does not use; sending any of them must be refused, not ignored.
const UNUSED_TOKEN_PARAMS = ['resource', 'scope', 'actor_token', 'actor_token_type'];
const OPTIONAL_TOKEN_PARAMS = new Set(['requested_token_type', ...UNUSED_TOKEN_PARAMS]);
const AUTH_PARAMS = ['login_hint_token', 'prompt'];

const OPS: MutationOp[] = [
  'remove',
  'empty',
  'duplicate',
  'garbage',
  'oversized',
  'nonUtf8',
  'wrongType',
  'unknownType',
  'tokenShaped',
];
const WRONG_TYPES = ['1', 'true', 'null', '[]', '{"a":1}', '[object Object]', '-0', 'undefined'];
const UNKNOWN_TYPES = [
  'urn:ietf:params:oauth:token-type:id_token',
  'urn:ietf:params:oauth:token-type:jwt',
  'urn:ietf:params:oauth:token-type:saml2',
  'urn:ietf:params:oauth:token-type:refresh_token ',
  'urn:oidc-handover:token-type:login_hint_token:v2',
];

/** A mutation that would leave a valid exchange valid (an optional parameter left out). */
function isHarmless(mutation: Mutation): boolean {
  const blank = mutation.op === 'remove' || mutation.op === 'empty';
  return blank && OPTIONAL_TOKEN_PARAMS.has(mutation.param);
}

/** Random changes to a valid token exchange ('token') or /auth request ('auth'). */
export function mutationArbitrary(target: 'token' | 'auth'): fc.Arbitrary<Mutation> {
  const params = target === 'token' ? [...TOKEN_PARAMS, ...UNUSED_TOKEN_PARAMS] : AUTH_PARAMS;
  const mutation = fc.record({
    param: fc.constantFrom(...params),
    op: fc.constantFrom(...OPS),
    text: fc.string({ minLength: 1, maxLength: 64, unit: 'binary' }),
  });
  return target === 'token' ? mutation.filter((m) => !isHarmless(m)) : mutation;
}

function valueFor(mutation: Mutation, target: 'token' | 'auth'): string | Buffer {
  switch (mutation.op) {
    case 'empty':
      return '';
    case 'garbage':
      return mutation.text.trim() === '' ? `${mutation.text}x` : mutation.text;
    case 'oversized':
      // Beyond the 56 KiB form limit at /token; beyond the 16 KiB header limit in a URL.
      return 'A'.repeat(target === 'token' ? 60 * 1024 : 20 * 1024);
    case 'nonUtf8':
      // Raw invalid bytes, or invalid UTF-8 that only shows after percent-decoding.
      return Buffer.from(mutation.text.length % 2 ? [0xff, 0xfe, 0xc3, 0x28] : '%FF%C3%28');
    case 'wrongType':
      return WRONG_TYPES[mutation.text.length % WRONG_TYPES.length]!;
    case 'unknownType':
      return UNKNOWN_TYPES[mutation.text.length % UNKNOWN_TYPES.length]!;
    default:
      // A value with the login_hint_token's shape that was never issued.
      return `ohlht_${Buffer.from(mutation.text.padEnd(32, 'x')).toString('base64url').slice(0, 43)}`;
  }
}

function duplicate(fields: Field[], param: string): Field[] {
  const existing = fields.find(([name]) => name === param)?.[1] ?? 'x';
  // Two different audiences are always wrong, whatever a server does with exact repeats.
  return [...fields, [param, param === 'audience' ? 'demo-website-2' : existing]];
}

/** Applies mutations to a list of fields, in order. */
export function mutateFields(
  fields: Field[],
  mutations: Mutation[],
  target: 'token' | 'auth' = 'token',
): Field[] {
  let result = fields;
  for (const mutation of mutations) {
    const others = result.filter(([name]) => name !== mutation.param);
    if (mutation.op === 'remove') {
      result = others;
    } else if (mutation.op === 'duplicate') {
      result = duplicate(result, mutation.param);
    } else {
      result = [...others, [mutation.param, valueFor(mutation, target)]];
    }
  }
  return result;
}

function percentEncode(value: string): Buffer {
  const bytes = [...Buffer.from(value, 'utf8')];
  return Buffer.from(bytes.map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join(''));
}

/** Serialises fields as application/x-www-form-urlencoded bytes; Buffers go in raw. */
export function toBody(fields: Field[]): Buffer {
  const parts = fields.map(([name, value]) =>
    Buffer.concat([
      Buffer.from(`${encodeURIComponent(name)}=`),
      typeof value === 'string' ? percentEncode(value) : value,
    ]),
  );
  return Buffer.concat(parts.flatMap((part, i) => (i === 0 ? [part] : [Buffer.from('&'), part])));
}
