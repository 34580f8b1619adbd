import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { TOKEN_EXCHANGE_GRANT } from '../grants/token_types.ts';
import {
  ConfigError,
  checkKnownFields,
  fail,
  isObject,
  type Json,
  readBoolean,
  readInteger,
  readString,
} from './config_fields.ts';
import { type HandoverSettings, readHandover } from './handover_settings.ts';

export { ConfigError } from './config_fields.ts';
export {
  type HandoverSettings,
  SUBJECT_TOKEN_TYPES,
  type SubjectTokenType,
} from './handover_settings.ts';

/** An account to seed; the password is hashed before it is stored. */
export interface AccountSeed {
  username: string;
  password: string;
  claims: Record<string, unknown>;
}

/** Client metadata as oidc-provider takes it, plus our `first_party` flag. */
export interface ClientConfig {
  client_id: string;
  first_party: boolean;
  [key: string]: unknown;
}

/** The whole validated configuration. */
export interface Config {
  issuer: string;
  port: number;
  /** false: trust the socket; true or N: trust that many proxy hops of X-Forwarded-For. */
  proxy: boolean | number;
  database: string | undefined;
  dataDir: string;
  clients: ClientConfig[];
  accounts: AccountSeed[];
  handover: HandoverSettings;
  metricsToken: string | undefined;
  /** True when no file was given and the demo configuration is in use. */
  demo: boolean;
}

/** The dataDir value that keeps the embedded database in memory. */
export const MEMORY_DATA_DIR = 'memory://';
const DEMO_CONFIG_PATH = fileURLToPath(new URL('../config/demo.json', import.meta.url));
const TOP_LEVEL_FIELDS = new Set([
  'issuer',
  'port',
  'proxy',
  'database',
  'dataDir',
  'clients',
  'accounts',
  'handover',
  'metricsToken',
]);
function readIssuer(raw: Json): string {
  const issuer = readString(raw, 'issuer', 'issuer', 'http://localhost:3000');
  if (!URL.canParse(issuer) || !/^https?:$/.test(new URL(issuer).protocol)) {
    fail('issuer', 'must be an http(s) URL');
  }
  return issuer.replace(/\/$/, '');
}

function readProxy(raw: Json): boolean | number {
  const proxy = raw.proxy ?? false;
  if (typeof proxy === 'boolean') {
    return proxy;
  }
  return readInteger(raw, 'proxy', 'proxy', [1, 10]);
}

function readDatabase(raw: Json): string | undefined {
  if (raw.database === undefined) {
    return undefined;
  }
  const database = readString(raw, 'database', 'database', '');
  if (!/^postgres(ql)?:\/\//.test(database)) {
    fail('database', 'must be a postgres:// URL');
  }
  return database;
}

/** The embedded database's folder; "memory://" keeps it in memory (used by tests). */
function readDataDir(raw: Json): string {
  const dataDir = readString(raw, 'dataDir', 'dataDir', './data');
  return dataDir === MEMORY_DATA_DIR ? dataDir : resolve(dataDir);
}

function readClient(value: unknown, index: number): ClientConfig {
  const path = `clients[${index}]`;
  if (!isObject(value)) {
    fail(path, 'must be an object');
  }
  const clientId = readString(value, 'client_id', `${path}.client_id`, '');
  const firstParty = readBoolean(value, 'first_party', `${path}.first_party`, false);
  return { ...value, client_id: clientId, first_party: firstParty };
}

function readClients(raw: Json): ClientConfig[] {
  const clients = raw.clients ?? [];
  if (!Array.isArray(clients)) {
    fail('clients', 'must be an array');
  }
  const parsed = clients.map(readClient);
  const seen = new Set<string>();
  for (const [index, client] of parsed.entries()) {
    if (seen.has(client.client_id)) {
      fail(`clients[${index}].client_id`, 'repeats another client_id');
    }
    seen.add(client.client_id);
  }
  return parsed;
}

function readAccount(value: unknown, index: number): AccountSeed {
  const path = `accounts[${index}]`;
  if (!isObject(value)) {
    fail(path, 'must be an object');
  }
  const username = readString(value, 'username', `${path}.username`, '');
  const password = readString(value, 'password', `${path}.password`, '');
  const claims = value.claims ?? {};
  if (!isObject(claims)) {
    fail(`${path}.claims`, 'must be an object');
  }
  return { username, password, claims };
}

function readAccounts(raw: Json): AccountSeed[] {
  const accounts = raw.accounts ?? [];
  if (!Array.isArray(accounts)) {
    fail('accounts', 'must be an array');
  }
  return accounts.map(readAccount);
}

function checkAllowNamesClients(config: Config): void {
  const clients = new Map(config.clients.map((client) => [client.client_id, client]));
  for (const [source, targets] of Object.entries(config.handover.allow)) {
    const sourceClient = clients.get(source);
    if (!sourceClient) {
      fail(`handover.allow.${source}`, 'names an unknown client');
    }
    const grantTypes = sourceClient.grant_types;
    if (!Array.isArray(grantTypes) || !grantTypes.includes(TOKEN_EXCHANGE_GRANT)) {
      fail(`handover.allow.${source}`, 'names a client without the token-exchange grant type');
    }
    for (const [index, target] of targets.entries()) {
      if (!clients.has(target)) {
        fail(`handover.allow.${source}[${index}]`, 'names an unknown client');
      }
      if (target === source) {
        fail(`handover.allow.${source}[${index}]`, 'names the source client itself');
      }
    }
  }
}

/** Validates a parsed configuration object and applies every default. */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = {}): Config {
  if (!isObject(raw)) {
    fail('(root)', 'must be a JSON object');
  }
  checkKnownFields(raw, TOP_LEVEL_FIELDS, '');
  const withEnv: Json = { ...raw };
  if (env.ISSUER) {
    withEnv.issuer = env.ISSUER;
  }
  if (env.PORT) {
    withEnv.port = Number(env.PORT);
  }
  if (env.DATABASE_URL) {
    withEnv.database = env.DATABASE_URL;
  }

  const config: Config = {
    issuer: readIssuer(withEnv),
    port: readInteger({ port: 3000, ...withEnv }, 'port', 'port', [0, 65535]),
    proxy: readProxy(withEnv),
    database: readDatabase(withEnv),
    dataDir: readDataDir(withEnv),
    clients: readClients(withEnv),
    accounts: readAccounts(withEnv),
    handover: readHandover(withEnv),
    metricsToken:
      withEnv.metricsToken === undefined
        ? undefined
        : readString(withEnv, 'metricsToken', 'metricsToken', ''),
    demo: false,
  };
  checkAllowNamesClients(config);
  return config.handover.enabled ? config : withoutTokenExchange(config);
}

/**
 * With the handover disabled the grant is not registered, and oidc-provider would reject every
 * client that still lists it; the grant is removed from their grant_types instead, so one switch
 * turns the feature off without editing each client.
 */
function withoutTokenExchange(config: Config): Config {
  const clients = config.clients.map((client) =>
    Array.isArray(client.grant_types)
      ? { ...client, grant_types: client.grant_types.filter((g) => g !== TOKEN_EXCHANGE_GRANT) }
      : client,
  );
  return { ...config, clients };
}

function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`configuration: cannot read file ${path}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'invalid JSON';
    throw new ConfigError(`configuration: ${path} is not valid JSON (${reason})`);
  }
}

function configPathFromArgs(argv: string[]): string | undefined {
  const index = argv.indexOf('--config');
  if (index !== -1) {
    return argv[index + 1];
  }
  return argv.find((arg) => arg.startsWith('--config='))?.slice('--config='.length);
}

/** Loads the file named by `--config` or HANDOVER_CONFIG, or the demo configuration. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  const path = configPathFromArgs(argv) ?? env.HANDOVER_CONFIG;
  if (path === undefined) {
    return { ...parseConfig(readJsonFile(DEMO_CONFIG_PATH), env), demo: true };
  }
  return parseConfig(readJsonFile(path), env);
}
