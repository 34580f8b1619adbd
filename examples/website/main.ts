import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { startWebsite } from './index.ts';

interface DemoClient {
  client_id: string;
  client_name?: string;
  client_secret?: string;
}

const USAGE = `usage: node examples/website/main.ts [--port 4000] [--client demo-website]
  [--issuer http://127.0.0.1:3000] [--secret ...]   (env: PORT, CLIENT_ID, ISSUER, CLIENT_SECRET)`;

function demoClient(clientId: string): DemoClient | undefined {
  const demo = JSON.parse(readFileSync(new URL('../../config/demo.json', import.meta.url), 'utf8'));
  const clients: DemoClient[] = demo.clients;
  return clients.find((client) => client.client_id === clientId);
}

function readOptions() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT ?? '4000' },
      client: { type: 'string', default: process.env.CLIENT_ID ?? 'demo-website' },
      issuer: { type: 'string', default: process.env.ISSUER ?? 'http://127.0.0.1:3000' },
      secret: { type: 'string', default: process.env.CLIENT_SECRET },
    },
  });
  const known = demoClient(values.client);
  const secret = values.secret ?? known?.client_secret;
  if (!secret) {
    throw new Error(`no secret for client ${values.client}\n${USAGE}`);
  }
  const port = Number(values.port);
  const name = known?.client_name ?? values.client;
  return { issuer: values.issuer, port, clientId: values.client, secret, name };
}

const options = readOptions();
const website = await startWebsite(options);
console.log(`${options.name} (${options.clientId}) on ${website.url}`);
