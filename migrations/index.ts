import type { Knex } from 'knex';

import * as providerModels from './0001_provider_models.ts';
import * as handover from './0002_handover.ts';
import * as exchangeRateLimits from './0003_exchange_rate_limits.ts';

/** One migration: a name that orders it and the two directions. */
interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

// Listed explicitly rather than read from the folder: Node runs these .ts files directly and
// knex's own file loader does not know that.
const migrations: Record<string, Migration> = {
  '0001_provider_models': providerModels,
  '0002_handover': handover,
  '0003_exchange_rate_limits': exchangeRateLimits,
};

/** The knex migration source for every migration of this product, in order. */
export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const migration = migrations[name];
    if (!migration) {
      throw new Error(`unknown migration ${name}`);
    }
    return migration;
  },
};
