import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import * as client from 'openid-client';

const SIGN_IN_TIMEOUT_MS = 5 * 60_000;
const DONE_PAGE = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Signed in</title>
<p>The app has received your sign-in. You can close this window.</p></html>`;

/** Options of an app sign-in. */
export interface SignInOptions {
  /** Opens the sign-in URL in the system browser (or prints it). */
  open: (url: URL) => void | Promise<void>;
}

function listenOnLoopback(): Promise<Server> {
  return new Promise((resolve, reject) => {
    // RFC 8252 §7.3: a loopback IP literal on any free port; the provider ignores the port.
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
    server.once('error', reject);
  });
}

function waitForCallback(server: Server, redirectUri: string): Promise<URL> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sign-in timed out')), SIGN_IN_TIMEOUT_MS);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', redirectUri);
      if (url.pathname !== '/callback') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html', 'referrer-policy': 'no-referrer' });
      res.end(DONE_PAGE);
      clearTimeout(timer);
      resolve(url);
    });
  });
}

/**
 * Signs the app in with the authorization code flow and PKCE through the browser, receiving
 * the redirect on a loopback listener. Asks for offline_access to get a refresh token.
 */
export async function signIn(config: client.Configuration, options: SignInOptions) {
  const server = await listenOnLoopback();
  try {
    const { port } = server.address() as AddressInfo;
    const redirectUri = `http://127.0.0.1:${port}/callback`;
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile email offline_access',
      // OpenID Connect Core §11: offline_access is only granted together with prompt=consent.
      prompt: 'consent',
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const callback = waitForCallback(server, redirectUri);
    await options.open(url);
    return await client.authorizationCodeGrant(config, await callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
  } finally {
    server.close();
    server.closeAllConnections();
  }
}
