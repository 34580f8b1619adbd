import { type RunningWebsite, startWebsite } from '../../examples/website/index.ts';
import { DEMO } from './clients.ts';
import {
  freePort,
  startTestProvider,
  type TestProvider,
  type TestProviderOptions,
} from './provider.ts';

/** A test provider with both demo websites running in this process. */
export interface DemoStack {
  provider: TestProvider;
  website: RunningWebsite;
  website2: RunningWebsite;
  /** Every log line the two websites wrote. */
  websiteLogs: string[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

function pointClientAt(json: Json, clientId: string, origin: string): void {
  const clients = json.clients as Json[];
  const client = clients.find((candidate) => candidate.client_id === clientId)!;
  client.redirect_uris = [`${origin}/callback`];
  client.post_logout_redirect_uris = [`${origin}/`];
}

/**
 * Starts a provider and the two demo websites on free ports; the websites' redirect URIs are
 * changed to those ports so that parallel runs never clash over 4000 and 4001.
 */
export async function startDemoStack(options: TestProviderOptions = {}): Promise<DemoStack> {
  const origins = [`http://localhost:${await freePort()}`, `http://localhost:${await freePort()}`];
  const provider = await startTestProvider({
    ...options,
    configure: (json) => {
      pointClientAt(json, DEMO.website.clientId, origins[0]!);
      pointClientAt(json, DEMO.website2.clientId, origins[1]!);
      options.configure?.(json);
    },
  });
  const websiteLogs: string[] = [];
  const start = (site: typeof DEMO.website | typeof DEMO.website2, origin: string) =>
    startWebsite({
      name: site === DEMO.website ? 'Demo website' : 'Second demo website',
      issuer: provider.url,
      port: Number(new URL(origin).port),
      clientId: site.clientId,
      secret: site.secret,
      write: (line) => websiteLogs.push(line),
    });
  const website = await start(DEMO.website, origins[0]!);
  const website2 = await start(DEMO.website2, origins[1]!);
  return {
    provider,
    website,
    website2,
    websiteLogs,
    close: async () => {
      await Promise.all([website.close(), website2.close()]);
      await provider.close();
    },
  };
}
