import * as client from 'openid-client';

/** The demo app's client_id: a public native client (RFC 8252), no secret. */
export const APP_CLIENT_ID = 'demo-app';

/** The issuer the demo runs (`npm run demo`); ISSUER overrides it. */
export const DEFAULT_ISSUER = 'http://127.0.0.1:3000';

/** openid-client configuration of the demo app for an issuer. */
export function discoverApp(issuer: string): Promise<client.Configuration> {
  const insecure = new URL(issuer).protocol === 'http:';
  return client.discovery(
    new URL(issuer),
    APP_CLIENT_ID,
    undefined,
    client.None(),
    insecure ? { execute: [client.allowInsecureRequests] } : {},
  );
}
