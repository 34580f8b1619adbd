import type Provider from 'oidc-provider';

import { type ClientConfig, ConfigError } from './config.ts';

function describeMetadataError(error: unknown): string {
  const description = (error as { error_description?: unknown }).error_description;
  return typeof description === 'string' ? description : 'is not valid client metadata';
}

/**
 * Loads every configured client once at start-up. oidc-provider validates static clients only
 * when a request first names them; checked here, bad metadata stops the start with one line.
 */
export async function checkClients(provider: Provider, clients: ClientConfig[]): Promise<void> {
  for (const [index, client] of clients.entries()) {
    try {
      await provider.Client.find(client.client_id);
    } catch (error) {
      throw new ConfigError(`configuration: clients[${index}] ${describeMetadataError(error)}`);
    }
  }
}
