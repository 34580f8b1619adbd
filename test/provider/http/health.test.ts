import { expect } from 'chai';

import { startTestProvider, type TestProvider } from '../../support/provider.ts';

describe('GET /healthz and GET /readyz', () => {
  let provider: TestProvider;

  before(async () => {
    provider = await startTestProvider();
  });

  after(async () => {
    await provider.close();
  });

  it('answers /healthz with 200 while the process serves', async () => {
    const response = await fetch(`${provider.url}/healthz`);
    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.equal({ status: 'ok' });
  });

  it('answers /readyz with 200 while the database responds', async () => {
    const response = await fetch(`${provider.url}/readyz`);
    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.equal({ status: 'ready' });
  });

  it('answers /readyz with 503 once the database is gone, /healthz still with 200', async () => {
    await provider.database.knex.destroy();
    const ready = await fetch(`${provider.url}/readyz`);
    expect(ready.status).to.equal(503);
    expect(await ready.json()).to.deep.equal({ status: 'database unreachable' });
    expect((await fetch(`${provider.url}/healthz`)).status).to.equal(200);
  });
});
