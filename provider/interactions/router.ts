import Router from '@koa/router';
import type { Knex } from 'knex';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Client, Interaction, InteractionResults } from 'oidc-provider';

import { authenticate } from '../accounts.ts';
import { clientIp } from '../http/client_ip.ts';
import { readForm } from '../http/form.ts';
import {
  clearLoginFailures,
  recordLoginFailure,
  secondsUntilNextAttempt,
} from '../login_throttle.ts';
import { grantEverythingRequested, isFirstParty } from './first_party.ts';
import { consentPage, loginPage } from './pages.ts';

/** The authentication context class a password login asserts. */
export const PASSWORD_ACR = 'urn:oidc-handover:loa:1';

// One message for an unknown user and a wrong password, so the page reveals no account names.
const WRONG_CREDENTIALS = 'Wrong username or password.';
const TOO_MANY_ATTEMPTS = 'Too many failed attempts. Wait a moment and try again.';

/** Interaction pages added from outside provider/ (the handover's account switch). */
export interface InteractionExtension {
  /** Renders the page for an interaction that is the extension's; answers whether it did. */
  show(ctx: Context, provider: Provider, interaction: Interaction): Promise<boolean>;
  /** Mounts the routes its pages post to. */
  mount(router: Router, provider: Provider): void;
}

/** What the interaction routes need besides the provider. */
export interface InteractionDeps {
  provider: Provider;
  knex: Knex;
  extension?: InteractionExtension | undefined;
}

function clientName(client: Client | undefined): string {
  return String(client?.clientName ?? client?.clientId ?? 'the application');
}

function actions(uid: string): { login: string; confirm: string; abort: string } {
  const base = `/interaction/${encodeURIComponent(uid)}`;
  return { login: `${base}/login`, confirm: `${base}/confirm`, abort: `${base}/abort` };
}

function usernameHint(interaction: Interaction): string | undefined {
  const hint = interaction.prompt.details.login_hint ?? interaction.params.login_hint;
  return typeof hint === 'string' ? hint : undefined;
}

function renderLogin(ctx: Context, interaction: Interaction, client: Client | undefined): void {
  const paths = actions(interaction.uid);
  ctx.body = loginPage({
    action: paths.login,
    abortAction: paths.abort,
    clientName: clientName(client),
    username: usernameHint(interaction),
  });
}

async function finish(ctx: Context, deps: InteractionDeps, result: InteractionResults) {
  await deps.provider.interactionFinished(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: false,
  });
  ctx.respond = false;
}

async function showInteraction(ctx: Context, deps: InteractionDeps): Promise<void> {
  const interaction = await deps.provider.interactionDetails(ctx.req, ctx.res);
  if (await deps.extension?.show(ctx, deps.provider, interaction)) {
    return;
  }
  const client = await deps.provider.Client.find(String(interaction.params.client_id));
  if (interaction.prompt.name === 'login') {
    renderLogin(ctx, interaction, client);
    return;
  }
  if (client && isFirstParty(client)) {
    // First-party clients are the company's own: consent is implied, no page is shown.
    const grantId = await grantEverythingRequested(deps.provider, interaction);
    await finish(ctx, deps, { consent: { grantId } });
    return;
  }
  const paths = actions(interaction.uid);
  const scopes = String(interaction.params.scope ?? '')
    .split(' ')
    .filter(Boolean);
  ctx.body = consentPage({
    action: paths.confirm,
    abortAction: paths.abort,
    clientName: clientName(client),
    scopes,
  });
}

async function submitLogin(ctx: Context, deps: InteractionDeps): Promise<void> {
  const interaction = await deps.provider.interactionDetails(ctx.req, ctx.res);
  const form = await readForm(ctx);
  const username = form.get('username') ?? '';
  const password = form.get('password') ?? '';
  const ip = clientIp(ctx);
  const client = await deps.provider.Client.find(String(interaction.params.client_id));
  const page = {
    action: actions(interaction.uid).login,
    abortAction: actions(interaction.uid).abort,
  };

  if ((await secondsUntilNextAttempt(deps.knex, username, ip)) > 0) {
    ctx.status = 429;
    ctx.body = loginPage({
      ...page,
      clientName: clientName(client),
      username,
      error: TOO_MANY_ATTEMPTS,
    });
    return;
  }

  const account = await authenticate(deps.knex, username, password);
  if (!account) {
    await recordLoginFailure(deps.knex, username, ip);
    ctx.status = 401;
    ctx.body = loginPage({
      ...page,
      clientName: clientName(client),
      username,
      error: WRONG_CREDENTIALS,
    });
    return;
  }

  await clearLoginFailures(deps.knex, username, ip);
  await finish(ctx, deps, {
    login: { accountId: account.id, acr: PASSWORD_ACR, amr: ['pwd'], remember: true },
  });
}

async function submitConsent(ctx: Context, deps: InteractionDeps): Promise<void> {
  const interaction = await deps.provider.interactionDetails(ctx.req, ctx.res);
  if (interaction.prompt.name !== 'consent') {
    ctx.throw(400, 'no consent is pending for this interaction');
  }
  const grantId = await grantEverythingRequested(deps.provider, interaction);
  await finish(ctx, deps, { consent: { grantId } });
}

async function abort(ctx: Context, deps: InteractionDeps): Promise<void> {
  await deps.provider.interactionDetails(ctx.req, ctx.res);
  await finish(ctx, deps, {
    error: 'access_denied',
    error_description: 'the user cancelled the request',
  });
}

/** The login and consent routes that oidc-provider sends the browser to. */
export function createInteractionRouter(deps: InteractionDeps): Router {
  const router = new Router();
  router.get('/interaction/:uid', (ctx) => showInteraction(ctx, deps));
  router.post('/interaction/:uid/login', (ctx) => submitLogin(ctx, deps));
  router.post('/interaction/:uid/confirm', (ctx) => submitConsent(ctx, deps));
  router.post('/interaction/:uid/abort', (ctx) => abort(ctx, deps));
  deps.extension?.mount(router, deps.provider);
  return router;
}
