import { createHash } from 'node:crypto';

import { expect } from 'chai';

import { appClient, authorizationRequest, DEMO, loginThroughForm } from '../support/clients.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';
import { UserAgent } from '../support/user_agent.ts';

describe('Content-Security-Policy of the provider pages', () => {
  let provider: TestProvider;

  before(async () => {
    provider = await startTestProvider();
  });

  after(async () => {
    await provider.close();
  });

  it('allows the one inline script of an auto-submitting form by its hash', async () => {
    const config = await appClient(provider.url);
    const agent = new UserAgent(provider.url);
    const pending = await authorizationRequest(config, {
      redirect_uri: DEMO.app.redirectUri,
      response_mode: 'form_post',
    });
    const page = await loginThroughForm(agent, pending, DEMO.alice);
    const html = await page.response.text();
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(script, 'the form_post page script').to.be.a('string');

    const digest = createHash('sha256').update(script!).digest('base64');
    const csp = page.response.headers.get('content-security-policy')!;
    const scriptSrc = csp.split(';').find((directive) => directive.trim().startsWith('script-src'));
    expect(scriptSrc).to.include(`'sha256-${digest}'`);
    expect(csp).to.include("default-src 'none'").and.include("frame-ancestors 'none'");
  });

  it('sends no Content-Security-Policy with JSON', async () => {
    const response = await fetch(`${provider.url}/.well-known/openid-configuration`);
    expect(response.headers.get('content-security-policy')).to.equal(null);
    expect(response.headers.get('referrer-policy')).to.equal('no-referrer');
  });
});
