import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';

import { migrationSource } from '../../migrations/index.ts';
import { appLogin, DEMO } from '../support/clients.ts';
import {
  providerConfigFile,
  runNpm,
  runScript,
  spawnProvider,
  spawnStorage,
  writeConfigFile,
} from '../support/process.ts';
import { demoConfigJson, freePort, startTestProvider } from '../support/provider.ts';

/** The demo configuration with one mistake made by `change`. */
function demoWith(change: (json: Record<string, unknown>) => void): Record<string, unknown> {
  // A mistake found only after the database opened must not leave a ./data folder behind.
  const json = { ...demoConfigJson(), dataDir: join(tmpdir(), `handover-bad-${randomUUID()}`) };
  change(json);
  return json;
}

const MISTAKES: { name: string; file: unknown; field: string }[] = [
  { name: 'a port that is not a number', file: { port: 'eighty' }, field: 'port' },
  { name: 'an issuer that is not an http URL', file: { issuer: 'ftp://x' }, field: 'issuer' },
  { name: 'an unknown top-level field', file: { isuer: 'http://x' }, field: 'isuer' },
  { name: 'a ttl above 300 seconds', file: { handover: { ttl: 900 } }, field: 'handover.ttl' },
  {
    name: 'a client without client_id',
    file: demoWith((json) => (json.clients as unknown[]).push({ client_name: 'x' })),
    field: 'clients[3].client_id',
  },
  {
    name: 'a handover.allow naming an unknown client',
    file: demoWith((json) => {
      json.handover = { allow: { 'demo-app': ['demo-website', 'no-such-client'] } };
    }),
    field: 'handover.allow.demo-app[1]',
  },
  {
    name: 'client metadata that oidc-provider refuses',
    file: demoWith((json) => {
      (json.clients as Record<string, unknown>[])[1]!.redirect_uris = 'http://localhost:4000/';
    }),
    field: 'clients[1] redirect_uris',
  },
  { name: 'a file that is not JSON', file: '{ "port": 3000,', field: 'not valid JSON' },
];

describe('npm start with a bad configuration file', function () {
  // Each case starts a process; a mistake in client metadata is found only after the
  // embedded database has been created on disk, which a busy machine makes slow.
  this.timeout(120_000);

  for (const mistake of MISTAKES) {
    it(`exits non-zero with one line naming the field for ${mistake.name}`, async () => {
      const path = writeConfigFile(mistake.file);
      const result = await runScript('provider/main.ts', ['--config', path]);
      expect(result.code).to.equal(1);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines, result.stderr).to.have.length(1);
      expect(lines[0]).to.match(/^oidc-handover: configuration: /);
      expect(lines[0]).to.include(mistake.field);
      expect(result.stdout).to.equal('');
    });
  }

  it('prints only that line on stderr when started with npm start', async () => {
    const path = writeConfigFile({ handover: { deviceBinding: 'cookie' } });
    const result = await runNpm(['start', '--', '--config', path]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.equal(
      'oidc-handover: configuration: handover.deviceBinding must be "ip" or "none"\n',
    );
  });

  it('reads the file named by HANDOVER_CONFIG as well', async () => {
    const path = writeConfigFile({ proxy: 'yes' });
    const result = await runNpm(['start'], { HANDOVER_CONFIG: path });
    expect(result.code).to.equal(1);
    expect(result.stderr.trimEnd()).to.equal(
      'oidc-handover: configuration: proxy must be a whole number',
    );
  });
});

describe('npm start, the process', () => {
  it('serves, then shuts down gracefully on SIGTERM with exit code 0', async function () {
    this.timeout(120_000);
    const { path, url } = await providerConfigFile(await spawnStorage());
    const provider = await spawnProvider(path);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).to.equal(200);
    provider.child.kill('SIGTERM');
    const result = await provider.exit;
    expect(result.code).to.equal(0);
    expect(result.stdout).to.include('"event":"shutdown"');
    expect(result.stderr).to.equal('');
  });
});

describe('npm run migrate', () => {
  it('applies every migration once, then finds nothing to do', async function () {
    this.timeout(120_000);
    const { path } = await providerConfigFile(await spawnStorage());
    const first = await runScript('provider/cli/migrate.ts', ['--config', path]);
    expect(first.code, first.stderr).to.equal(0);
    const every = (await migrationSource.getMigrations([])).join(',');
    expect(first.stdout).to.include(`"applied":"${every}"`);
    const second = await runScript('provider/cli/migrate.ts', ['--config', path]);
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stdout).to.include('"applied":"none"');
  });

  it('stops with one line naming the field on a bad configuration', async () => {
    const path = writeConfigFile({ database: 'mysql://x' });
    const result = await runScript('provider/cli/migrate.ts', ['--config', path]);
    expect(result.code).to.equal(1);
    expect(result.stderr.trimEnd()).to.equal(
      'oidc-handover: configuration: database must be a postgres:// URL',
    );
  });
});

describe('npm run keys:rotate', () => {
  it('adds a signing key, published and used after a restart; old keys stay', async function () {
    this.timeout(120_000);
    const storage = await spawnStorage();
    const port = await freePort();
    const first = await startTestProvider({ storage, port });
    const before = await jwksKids(first.url);
    await first.close();

    const { path } = await providerConfigFile(storage);
    const result = await runScript('provider/cli/rotate_keys.ts', ['--config', path]);
    expect(result.code, result.stderr).to.equal(0);
    const kid = /"kid":"([^"]+)"/.exec(result.stdout)?.[1];
    expect(kid).to.be.a('string');

    const second = await startTestProvider({ storage, port });
    try {
      const after = await jwksKids(second.url);
      expect(after).to.include.members([...before, kid!]);
      expect(after).to.have.length(before.length + 1);
      const { tokens } = await appLogin(second.url, DEMO.alice);
      const header = JSON.parse(
        Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString(),
      );
      expect(header.kid).to.equal(kid);
    } finally {
      await second.close();
    }
  });
});

async function jwksKids(url: string): Promise<string[]> {
  const response = await fetch(`${url}/jwks`);
  const body = (await response.json()) as { keys: { kid: string }[] };
  return body.keys.map((key) => key.kid);
}
