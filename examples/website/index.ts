import type { Server } from 'node:http';

import Koa, { type Context, type Next } from 'koa';
import * as client from 'openid-client';

import { errorPage } from './pages.ts';
import { createRoutes, describeFailure, showTarget, type WebsiteContext } from './routes.ts';
import { SessionStore } from './sessions.ts';

/** How to start one demo website. */
export interface WebsiteOptions {
  /** The provider's issuer URL. */
  issuer: string;
  /** Port to listen on; it must match the registered redirect URI. */
  port: number;
  clientId: string;
  secret: string;
  /** Shown at the top of every page; default the client_id. */
  name?: string;
  /** This website's origin as registered in its redirect URI; default http://localhost:<port>. */
  baseUrl?: string;
  /** Where log lines go; default standard output. */
  write?: (line: string) => void;
}

/** A running website and how to stop it. */
export interface RunningWebsite {
  url: string;
  close(): Promise<void>;
}

function createLogger(clientId: string, write: (line: string) => void) {
  return (event: string, fields: Record<string, unknown> = {}) => {
    write(JSON.stringify({ time: new Date().toISOString(), site: clientId, event, ...fields }));
  };
}

/** Logs method, path and status only: the query string of /handover carries a token. */
function requestLog(site: WebsiteContext) {
  return async (ctx: Context, next: Next) => {
    const started = performance.now();
    await next();
    const duration_ms = Math.round(performance.now() - started);
    site.log('request', { method: ctx.method, path: ctx.path, status: ctx.status, duration_ms });
  };
}

function errorBoundary(site: WebsiteContext) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (error) {
      // One line with the class and message; openid-client errors carry no token values.
      const message = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown';
      site.log('error', { path: ctx.path, error: message });
      ctx.status = 502;
      ctx.body = errorPage(site.name, describeFailure(error));
    }
  };
}

function discover(options: WebsiteOptions): Promise<client.Configuration> {
  const insecure = new URL(options.issuer).protocol === 'http:';
  return client.discovery(
    new URL(options.issuer),
    options.clientId,
    undefined,
    client.ClientSecretPost(options.secret),
    insecure ? { execute: [client.allowInsecureRequests] } : {},
  );
}

function listen(app: Koa, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

function createWebsiteApp(site: WebsiteContext): Koa {
  const app = new Koa();
  app.silent = true;
  app.use(requestLog(site));
  app.use(errorBoundary(site));
  app.use(createRoutes(site).routes());
  app.use(showTarget(site));
  return app;
}

/** Starts a demo website: a confidential OIDC client with a /handover entry. */
export async function startWebsite(options: WebsiteOptions): Promise<RunningWebsite> {
  const config = await discover(options);
  const log = createLogger(options.clientId, options.write ?? ((line) => console.log(line)));
  const site: WebsiteContext = {
    config,
    name: options.name ?? options.clientId,
    baseUrl: options.baseUrl ?? `http://localhost:${options.port}`,
    sessions: new SessionStore(options.clientId),
    log,
  };
  const server = await listen(createWebsiteApp(site), options.port);
  return {
    url: site.baseUrl,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
