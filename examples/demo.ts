import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

import { MEMORY_DATA_DIR, parseConfig } from '../provider/config.ts';
import { logSink } from '../provider/logging.ts';
import { startServer } from '../provider/server.ts';
import { type RunningWebsite, startWebsite } from './website/index.ts';

/**
 * The demo provider is reached as 127.0.0.1 rather than "localhost": browsers may reach
 * "localhost" over IPv6 while command-line tools use IPv4, and the default device binding
 * requires the browser to come from the address that asked for the token.
 */
const ISSUER = process.env.ISSUER ?? 'http://127.0.0.1:3000';
const LOG_FILE = 'demo.log';

interface DemoClient {
  client_id: string;
  client_name: string;
  client_secret: string;
}

const demoJson = JSON.parse(readFileSync(new URL('../config/demo.json', import.meta.url), 'utf8'));

function websiteClient(clientId: string): DemoClient {
  return (demoJson.clients as DemoClient[]).find((client) => client.client_id === clientId)!;
}

function sendLogsToFile(): void {
  // The terminal is for the instructions; the provider's and websites' JSON lines go to a file.
  writeFileSync(LOG_FILE, '');
  logSink.write = (line) => appendFileSync(LOG_FILE, `${line}\n`);
}

async function startProvider() {
  const env = { ...process.env, ISSUER, PORT: String(new URL(ISSUER).port || 3000) };
  // A fresh in-memory database for every run (or DATABASE_URL's PostgreSQL).
  const config = parseConfig({ ...demoJson, dataDir: MEMORY_DATA_DIR }, env);
  return startServer(config);
}

function startDemoWebsite(clientId: string, port: number): Promise<RunningWebsite> {
  const client = websiteClient(clientId);
  return startWebsite({
    issuer: ISSUER,
    port,
    clientId,
    secret: client.client_secret,
    name: client.client_name,
    write: (line) => logSink.write(line),
  });
}

function instructions(website: string, website2: string): string {
  const app = 'npx node examples/app/main.ts';
  return `
  oidc-handover demo is running (logs: ${LOG_FILE})

    provider        ${ISSUER}
    website         ${website}
    second website  ${website2}
    users           alice / wonderland, bob / builder

  In another terminal, follow the handover from the app to the browser:

  1. Sign the app in (it opens your browser; the password is asked this once):
       ${app} login
  2. Open a private (incognito) window for the next steps: it has no session yet.
  3. Ask the app for a one-time link to the website:
       ${app} handover --to /orders/42
  4. Open the printed URL in the private window within 60 seconds. You land on
       ${website}/orders/42
     signed in as the app's user with no password; the page shows the same auth_time
     as the app's own sign-in (${app} whoami).
  5. Open ${website2} in the same window and click "Sign in": single sign-on, no prompt.
  6. Click "Sign out" on the website: the browser's session ends, and
       ${app} whoami
     still works, because the app's session is its own.
  7. Open the URL from step 3 again: it was used, so you see the normal login page.
  8. ${app} logout revokes the app's refresh token.

  Press Ctrl+C to stop.
`;
}

async function main(): Promise<void> {
  sendLogsToFile();
  const provider = await startProvider();
  const website = await startDemoWebsite('demo-website', 4000);
  const website2 = await startDemoWebsite('demo-website-2', 4001);
  process.stdout.write(instructions(website.url, website2.url));
  const stop = async () => {
    await Promise.all([website.close(), website2.close()]);
    await provider.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : 'failed'}\n`);
  process.exit(1);
});
