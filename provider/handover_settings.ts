import {
  checkKnownFields,
  fail,
  isObject,
  type Json,
  readBoolean,
  readInteger,
} from './config_fields.ts';

/** The subject token types the exchange can accept. */
export const SUBJECT_TOKEN_TYPES = ['refresh_token', 'access_token'] as const;
export type SubjectTokenType = (typeof SUBJECT_TOKEN_TYPES)[number];

/** The handover settings of DESIGN.md, with every default applied. */
export interface HandoverSettings {
  enabled: boolean;
  ttl: number;
  deviceBinding: 'ip' | 'none';
  subjectTokenTypes: SubjectTokenType[];
  cascadeRevocation: boolean;
  exchangesPerMinute: number;
  allow: Record<string, string[]>;
}

const MAX_TTL = 300;
const HANDOVER_FIELDS = new Set([
  'enabled',
  'ttl',
  'deviceBinding',
  'subjectTokenTypes',
  'cascadeRevocation',
  'exchangesPerMinute',
  'allow',
]);

function readSubjectTokenTypes(handover: Json): SubjectTokenType[] {
  const types = handover.subjectTokenTypes ?? [...SUBJECT_TOKEN_TYPES];
  if (!Array.isArray(types)) {
    fail('handover.subjectTokenTypes', 'must be an array');
  }
  for (const [index, type] of types.entries()) {
    if (!SUBJECT_TOKEN_TYPES.includes(type)) {
      fail(`handover.subjectTokenTypes[${index}]`, 'must be "refresh_token" or "access_token"');
    }
  }
  return types;
}

function readAllow(handover: Json): Record<string, string[]> {
  const allow = handover.allow ?? {};
  if (!isObject(allow)) {
    fail('handover.allow', 'must be an object of client_id to client_id lists');
  }
  const parsed: Record<string, string[]> = {};
  for (const [source, targets] of Object.entries(allow)) {
    const isList = Array.isArray(targets) && targets.every((t) => typeof t === 'string');
    if (!isList) {
      fail(`handover.allow.${source}`, 'must be an array of client_ids');
    }
    parsed[source] = targets;
  }
  return parsed;
}

function readDeviceBinding(handover: Json): 'ip' | 'none' {
  const binding = handover.deviceBinding ?? 'ip';
  if (binding !== 'ip' && binding !== 'none') {
    fail('handover.deviceBinding', 'must be "ip" or "none"');
  }
  return binding;
}

/** The `handover` section with every default applied. */
export function readHandover(raw: Json): HandoverSettings {
  const handover = raw.handover ?? {};
  if (!isObject(handover)) {
    fail('handover', 'must be an object');
  }
  checkKnownFields(handover, HANDOVER_FIELDS, 'handover.');
  return {
    enabled: readBoolean(handover, 'enabled', 'handover.enabled', true),
    ttl: readInteger({ ttl: 60, ...handover }, 'ttl', 'handover.ttl', [1, MAX_TTL]),
    deviceBinding: readDeviceBinding(handover),
    subjectTokenTypes: readSubjectTokenTypes(handover),
    cascadeRevocation: readBoolean(
      handover,
      'cascadeRevocation',
      'handover.cascadeRevocation',
      true,
    ),
    exchangesPerMinute: readInteger(
      { exchangesPerMinute: 20, ...handover },
      'exchangesPerMinute',
      'handover.exchangesPerMinute',
      [0, 1_000_000],
    ),
    allow: readAllow(handover),
  };
}
