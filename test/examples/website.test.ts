import { expect } from 'chai';

import { localPath } from '../../examples/website/routes.ts';
import { DEMO, submitLogin } from '../support/clients.ts';
import { type DemoStack, startDemoStack } from '../support/demo_stack.ts';
import { capturedLogs } from '../support/logs.ts';
import { formAction, UserAgent } from '../support/user_agent.ts';

const FAKE_TOKEN = 'not-a-real-login-hint-token-0123456789abcdefghijklmnopqrstuvwxyz';

async function signInThroughForm(stack: DemoStack, agent: UserAgent, to: string) {
  const start = await agent.request(`${stack.website.url}/login?to=${encodeURIComponent(to)}`);
  const page = await agent.go(start.location!);
  const finish = await submitLogin(agent, page, DEMO.alice);
  const callback = await agent.request(finish.location!);
  return agent.request(callback.location!);
}

describe('demo website (examples/website)', () => {
  let stack: DemoStack;

  before(async () => {
    stack = await startDemoStack();
  });

  after(async () => {
    await stack.close();
  });

  it('keeps only local paths as the target of /handover', () => {
    const base = 'http://localhost:4000';
    expect(localPath('/orders/42?step=pay', base)).to.equal('/orders/42?step=pay');
    for (const outside of ['//evil.example/x', '/\\evil.example', 'https://evil.example', 'x']) {
      expect(localPath(outside, base), outside).to.equal('/');
    }
    expect(localPath(undefined, base)).to.equal('/');
  });

  it('answers /handover with a 303 to the provider that carries no token', async () => {
    const url = `${stack.website.url}/handover?login_hint_token=${FAKE_TOKEN}&to=/orders/42`;
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).to.equal(303);
    expect(response.headers.get('cache-control')).to.equal('no-store');
    expect(response.headers.get('referrer-policy')).to.equal('no-referrer');
    const location = new URL(response.headers.get('location')!);
    expect(location.origin).to.equal(stack.provider.url);
    expect(location.pathname).to.equal('/auth');
    expect(location.searchParams.get('request_uri')).to.match(
      /^urn:ietf:params:oauth:request_uri:/,
    );
    expect(location.toString()).not.to.include(FAKE_TOKEN);
  });

  it('keeps the login_hint_token out of its own logs and the provider logs', async () => {
    const url = `${stack.website.url}/handover?login_hint_token=${FAKE_TOKEN}&to=/x`;
    await fetch(url, { redirect: 'manual' });
    expect(stack.websiteLogs.some((line) => line.includes('"path":"/handover"'))).to.equal(true);
    expect(stack.websiteLogs.join('\n')).not.to.include(FAKE_TOKEN);
    expect(capturedLogs.join('\n')).not.to.include(FAKE_TOKEN);
  });

  it('sends /handover without a token to a normal sign-in', async () => {
    const response = await fetch(`${stack.website.url}/handover?to=/orders/1`, {
      redirect: 'manual',
    });
    expect(response.status).to.equal(303);
    expect(response.headers.get('location')).to.equal('/login?to=%2Forders%2F1');
  });

  it('signs in with a normal code flow and shows the user on the target page', async () => {
    const agent = new UserAgent(stack.provider.url);
    const target = await signInThroughForm(stack, agent, '/orders/7');
    expect(target.url.toString()).to.equal(`${stack.website.url}/orders/7`);
    const html = await target.response.text();
    expect(html).to.include('Alice Liddell').and.include('/orders/7');
    expect(html).to.match(/<span id="auth-time">\d+<\/span>/);
  });

  it('shows the error code when the person cancels at the provider', async () => {
    const agent = new UserAgent(stack.provider.url);
    const start = await agent.request(`${stack.website.url}/login?to=/orders/9`);
    const page = await agent.go(start.location!);
    const cancel = formAction(await page.response.text(), page.url, 1);
    const back = await agent.go(cancel, { method: 'POST' });
    const callback = await agent.request(back.location!);
    expect(callback.response.status).to.equal(400);
    expect(await callback.response.text()).to.include('<code id="error">access_denied</code>');
    const home = await agent.request(`${stack.website.url}/`);
    expect(await home.response.text()).to.include('You are not signed in');
  });

  it('logs out at the end_session_endpoint with id_token_hint and its own address', async () => {
    const agent = new UserAgent(stack.provider.url);
    await signInThroughForm(stack, agent, '/');
    const logout = await agent.request(`${stack.website.url}/logout`, { method: 'POST' });
    expect(logout.response.status).to.equal(303);
    const location = logout.location!;
    expect(location.pathname).to.equal('/session/end');
    expect(location.searchParams.get('id_token_hint')).to.be.a('string');
    expect(location.searchParams.get('post_logout_redirect_uri')).to.equal(`${stack.website.url}/`);
    const home = await agent.request(`${stack.website.url}/`);
    expect(await home.response.text()).to.include('You are not signed in');
  });
});
