import { ConfigError, loadConfig } from '../config.ts';
import { describeError, log } from '../logging.ts';
import { migrateDatabase, openDatabase } from '../storage/database.ts';

// npm run migrate: brings the schema of the configured database up to date and exits.
// Start-up does the same; this command lets a deployment migrate before rolling instances.

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2), process.env);
  const database = openDatabase(config);
  try {
    const applied = await migrateDatabase(database);
    log('info', 'migrated', { applied: applied.join(',') || 'none', backend: database.kind });
  } finally {
    await database.knex.destroy();
  }
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : describeError(error);
  process.stderr.write(`oidc-handover: ${message}\n`);
  process.exit(1);
});
