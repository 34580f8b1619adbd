import { expect } from 'chai';
import type * as client from 'openid-client';
import { createAdapter } from '../../../provider/storage/adapter.ts';
import {
  appClient,
  authorizationRequest,
  DEMO,
  loginThroughForm,
  websiteClient,
} from '../../support/clients.ts';
import { startTestProvider, type TestProvider } from '../../support/provider.ts';
import { UserAgent } from '../../support/user_agent.ts';

// Many tabs of one browser reach /auth at once, and every request saves the same session row.
const PARALLEL_REQUESTS = 30;
const ROUNDS = 4;

describe('GET /auth from one browser session in parallel', () => {
  let provider: TestProvider;
  let website: client.Configuration;
  let agent: UserAgent;

  before(async () => {
    provider = await startTestProvider();
    website = await websiteClient(provider.url);
    agent = new UserAgent(provider.url);
    const first = await authorizationRequest(website, { redirect_uri: DEMO.website.redirectUri });
    await loginThroughForm(agent, first, DEMO.alice);
  });

  after(async () => {
    await provider.close();
  });

  /** Silent SSO requests that all carry the cookie the browser holds right now. */
  async function ssoRequests(): Promise<Response[]> {
    const cookie = agent.jar.header();
    const requests = Array.from({ length: PARALLEL_REQUESTS }, async () => {
      const pending = await authorizationRequest(website, {
        redirect_uri: DEMO.website.redirectUri,
      });
      return fetch(pending.url, { redirect: 'manual', headers: { cookie } });
    });
    return Promise.all(requests);
  }

  /** A flow through an interaction: its resume gives the session a new cookie value. */
  async function flowThatRenewsTheCookie(): Promise<URL | undefined> {
    const app = await appClient(provider.url);
    const pending = await authorizationRequest(app, {
      redirect_uri: DEMO.app.redirectUri,
      prompt: 'consent',
    });
    return (await agent.go(pending.url)).location;
  }

  it('answers every request without a 5xx, also while another tab renews the cookie', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const [responses, renewed] = await Promise.all([ssoRequests(), flowThatRenewsTheCookie()]);
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status >= 500)).to.deep.equal([]);
      expect(renewed?.searchParams.get('code'), 'the renewing flow').to.be.a('string');
    }
  });

  it('keeps the session under its newest cookie', async () => {
    const [response] = await ssoRequests();
    const location = new URL(response!.headers.get('location') ?? '', provider.url);
    expect(location.searchParams.get('code')).to.be.a('string');
  });

  it('drops a late save under another id while the session lives on under a newer one', async () => {
    const Adapter = createAdapter(provider.database.knex);
    const sessions = new Adapter('Session');
    const uid = `uid-${Date.now()}`;
    await sessions.upsert('newer-id', { uid, accountId: 'alice-id', kind: 'Session' }, 60);

    await sessions.upsert('older-id', { uid, accountId: 'alice-id', kind: 'Session' }, 60);

    expect(await sessions.find('older-id')).to.equal(undefined);
    expect((await sessions.find('newer-id'))?.uid).to.equal(uid);
  });
});
