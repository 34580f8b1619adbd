import { expect } from 'chai';

import { recordAudit } from '../../grants/audit.ts';
import { appLogin, DEMO, websiteClient } from '../support/clients.ts';
import { exchangeForm, postToken } from '../support/exchange.ts';
import { handoverLogin, mintLoginHintToken } from '../support/handover.ts';
import { startTestProvider, type TestProvider } from '../support/provider.ts';
import { UserAgent } from '../support/user_agent.ts';

const METRICS_TOKEN = 'metrics-test-token-0123456789';

async function scrape(provider: TestProvider, token?: string): Promise<Response> {
  return fetch(`${provider.url}/metrics`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

/** The value of one sample, e.g. `name{reason="x"}`; 0 when the series does not exist yet. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Every label value of every sample in a Prometheus text exposition. */
function labelValues(text: string): string[] {
  return [...text.matchAll(/[a-z_]+="((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!);
}

describe('GET /metrics', () => {
  describe('without a metrics token', () => {
    let provider: TestProvider;

    before(async () => {
      provider = await startTestProvider();
    });

    after(async () => {
      await provider.close();
    });

    it('answers in the Prometheus text format', async () => {
      const response = await scrape(provider);
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      expect(text).to.include('# TYPE oidc_handover_login_hint_tokens_issued_total counter');
      expect(text).to.include('# TYPE oidc_handover_exchange_duration_seconds histogram');
      expect(text).to.include('# TYPE oidc_handover_db_pool_in_use gauge');
      expect(text).to.include('# TYPE process_cpu_seconds_total counter');
    });

    it('counts statements sent to the database', async () => {
      const before = sample(
        await (await scrape(provider)).text(),
        'oidc_handover_db_statements_total',
      );
      await fetch(`${provider.url}/readyz`);
      const after = sample(
        await (await scrape(provider)).text(),
        'oidc_handover_db_statements_total',
      );
      expect(after - before).to.be.at.least(1);
    });

    it('moves the counters after audit events', async () => {
      const knex = provider.database.knex;
      const refused = 'oidc_handover_exchanges_refused_total{reason="audience_not_allowed"}';
      const issued = 'oidc_handover_login_hint_tokens_issued_total';
      const before = await (await scrape(provider)).text();
      await recordAudit(knex, { event: 'exchange.refused', reason: 'audience_not_allowed' });
      await recordAudit(knex, { event: 'exchange.issued', reason: 'issued' });
      await recordAudit(knex, { event: 'exchange.issued', reason: 'issued' });
      const after = await (await scrape(provider)).text();
      expect(sample(after, refused) - sample(before, refused)).to.equal(1);
      expect(sample(after, issued) - sample(before, issued)).to.equal(2);
    });

    it('never puts a value from a request into a reason label', async () => {
      const knex = provider.database.knex;
      await recordAudit(knex, {
        event: 'redemption.refused',
        reason: 'Not-A-Code from a request',
        ip: '127.0.0.1',
        accountId: 'alice',
      });
      const text = await (await scrape(provider)).text();
      expect(
        sample(text, 'oidc_handover_login_hint_tokens_refused_total{reason="other"}'),
      ).to.be.at.least(1);
      expect(labelValues(text).join(' ')).not.to.match(/Not-A-Code|alice|127\.0\.0\.1/);
    });
  });

  describe('after real token exchanges', () => {
    let provider: TestProvider;
    let text: string;
    let baseline: string;
    let refreshToken: string;

    before(async () => {
      provider = await startTestProvider();
      ({
        tokens: { refresh_token: refreshToken = '' },
      } = await appLogin(provider.url));
      baseline = await (await scrape(provider)).text();
      await postToken(provider.url, exchangeForm(refreshToken));
      await postToken(provider.url, { ...exchangeForm(refreshToken), audience: 'nobody' });
      text = await (await scrape(provider)).text();
    });

    after(async () => {
      await provider.close();
    });

    it('counts an issued token and a refusal by its reason code', () => {
      const issued = 'oidc_handover_login_hint_tokens_issued_total';
      const refused = 'oidc_handover_exchanges_refused_total{reason="audience_unknown"}';
      expect(sample(text, issued) - sample(baseline, issued)).to.equal(1);
      expect(sample(text, refused) - sample(baseline, refused)).to.equal(1);
    });

    it('times each exchange by its outcome', () => {
      const series = (outcome: string) =>
        `oidc_handover_exchange_duration_seconds_count{outcome="${outcome}"}`;
      expect(sample(text, series('issued')) - sample(baseline, series('issued'))).to.equal(1);
      expect(sample(text, series('refused')) - sample(baseline, series('refused'))).to.equal(1);
    });

    it('puts no token, username or IP into any label', () => {
      const labels = labelValues(text).join(' ');
      expect(labels).not.to.include(refreshToken);
      expect(labels).not.to.match(/ohlht_|alice|127\.0\.0\.1|::1|nobody/);
    });

    it('lists every exchange reason code before it happens', () => {
      // Other test files in this process may have moved it already: the series must exist.
      expect(text).to.match(
        /^oidc_handover_exchanges_refused_total\{reason="rate_limited"\} \d+$/m,
      );
    });

    it('counts and times a redemption and a replay at /auth', async () => {
      const token = await mintLoginHintToken(provider, refreshToken);
      const config = await websiteClient(provider.url);
      const params = { redirect_uri: DEMO.website.redirectUri, login_hint_token: token };
      const first = await handoverLogin(new UserAgent(provider.url), config, params);
      expect(first.hop.location?.searchParams.get('code')).to.be.a('string');
      await handoverLogin(new UserAgent(provider.url), config, params);
      const after = await (await scrape(provider)).text();
      const delta = (series: string) => sample(after, series) - sample(text, series);
      expect(delta('oidc_handover_login_hint_tokens_redeemed_total')).to.equal(1);
      expect(delta('oidc_handover_replays_detected_total')).to.equal(1);
      const latency = 'oidc_handover_redemption_duration_seconds_count{outcome="accepted"}';
      expect(delta(latency)).to.equal(1);
      expect(labelValues(after).join(' ')).not.to.match(/ohlht_|alice|127\.0\.0\.1|::1/);
    });
  });

  describe('with a metrics token', () => {
    let provider: TestProvider;

    before(async () => {
      provider = await startTestProvider({
        configure: (json) => {
          json.metricsToken = METRICS_TOKEN;
        },
      });
    });

    after(async () => {
      await provider.close();
    });

    it('refuses a request without the bearer token', async () => {
      const response = await scrape(provider);
      expect(response.status).to.equal(401);
      expect(response.headers.get('www-authenticate')).to.match(/^Bearer/);
      expect(await response.text()).not.to.include('oidc_handover_');
    });

    it('refuses a wrong bearer token', async () => {
      const response = await scrape(provider, `${METRICS_TOKEN}x`);
      expect(response.status).to.equal(401);
    });

    it('answers the configured bearer token', async () => {
      const response = await scrape(provider, METRICS_TOKEN);
      expect(response.status).to.equal(200);
      expect(await response.text()).to.include('oidc_handover_db_statements_total');
    });
  });
});
