import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';

import { TOKEN_EXCHANGE_GRANT } from '../../grants/token_types.ts';
import { ConfigError, parseConfig } from '../../provider/config.ts';
import { appLogin } from '../support/clients.ts';
import { exchangeForm, postToken } from '../support/exchange.ts';
import { demoConfigJson, startTestProvider } from '../support/provider.ts';

function withAllow(allow: Record<string, string[]>): Record<string, unknown> {
  const json = demoConfigJson();
  json.handover = { allow };
  return json;
}

describe('token exchange configuration', () => {
  it('refuses a policy that names an unknown source client', () => {
    expect(() => parseConfig(withAllow({ 'no-app': ['demo-website'] }))).to.throw(
      ConfigError,
      'configuration: handover.allow.no-app names an unknown client',
    );
  });

  it('refuses a policy that names an unknown target client', () => {
    expect(() => parseConfig(withAllow({ 'demo-app': ['no-site'] }))).to.throw(
      ConfigError,
      'configuration: handover.allow.demo-app[0] names an unknown client',
    );
  });

  it('refuses a policy whose source client lacks the token-exchange grant', () => {
    expect(() => parseConfig(withAllow({ 'demo-website': ['demo-website-2'] }))).to.throw(
      ConfigError,
      'handover.allow.demo-website names a client without the token-exchange grant type',
    );
  });

  it('stops the process with one line naming the policy entry', function () {
    this.timeout(20_000);
    const dir = mkdtempSync(join(tmpdir(), 'handover-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(withAllow({ 'demo-app': ['no-site'] })));
    const run = spawnSync(process.execPath, ['provider/main.ts', '--config', file], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(run.status).to.equal(1);
    expect(run.stderr.trim().split('\n')).to.deep.equal([
      'oidc-handover: configuration: handover.allow.demo-app[0] names an unknown client',
    ]);
  });

  describe('with handover.enabled false', () => {
    it('leaves the grant out of discovery and keeps clients that list it valid', async () => {
      const provider = await startTestProvider({
        configure: (json) => {
          (json.handover as Record<string, unknown>).enabled = false;
        },
      });
      try {
        const response = await fetch(new URL('/.well-known/openid-configuration', provider.url));
        const metadata = (await response.json()) as { grant_types_supported: string[] };
        expect(metadata.grant_types_supported).not.to.include(TOKEN_EXCHANGE_GRANT);
        const { tokens } = await appLogin(provider.url);
        const refused = await postToken(provider.url, exchangeForm(tokens.refresh_token!));
        expect(refused.status).to.equal(400);
        expect(refused.body.error).to.equal('unsupported_grant_type');
      } finally {
        await provider.close();
      }
    });
  });
});
