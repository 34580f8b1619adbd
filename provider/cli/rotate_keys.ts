import { ConfigError, loadConfig } from '../config.ts';
import { loadKeys, rotateSigningKey } from '../keys.ts';
import { describeError, log } from '../logging.ts';
import { migrateDatabase, openDatabase } from '../storage/database.ts';

// npm run keys:rotate: adds a new signing key to the shared key table. Each instance signs with
// it from its next start on; the older keys stay published in /jwks so that what they signed
// still verifies.

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2), process.env);
  const database = openDatabase(config);
  try {
    await migrateDatabase(database);
    // On a database that never saw a start, the first keys are created before the new one.
    await loadKeys(database.knex);
    const kid = await rotateSigningKey(database.knex);
    log('info', 'signing_key_added', { kid });
  } finally {
    await database.knex.destroy();
  }
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : describeError(error);
  process.stderr.write(`oidc-handover: ${message}\n`);
  process.exit(1);
});
