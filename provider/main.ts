import { type Config, ConfigError, loadConfig } from './config.ts';
import { describeError, log } from './logging.ts';
import { type RunningServer, startServer } from './server.ts';

function printDemoBanner(config: Config): void {
  const users = config.accounts.map((a) => `    ${a.username} / ${a.password}`).join('\n');
  process.stdout.write(
    [
      '',
      '  ┌──────────────────────────────────────────────────────────────┐',
      '  │  oidc-handover is running the DEMO configuration.            │',
      '  │  Not for production: set HANDOVER_CONFIG to your own file.   │',
      '  └──────────────────────────────────────────────────────────────┘',
      `  issuer: ${config.issuer}`,
      '  demo users (username / password):',
      users,
      '',
      '',
    ].join('\n'),
  );
}

function stopOnSignals(server: RunningServer): void {
  const stop = async (signal: string) => {
    log('info', 'shutdown', { signal });
    await server.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2), process.env);
  const server = await startServer(config);
  if (config.demo) {
    printDemoBanner(config);
  }
  log('info', 'listening', { issuer: config.issuer, port: new URL(server.url).port });
  stopOnSignals(server);
}

main().catch((error: unknown) => {
  // A configuration mistake is one line naming the field; anything else, one line with its cause.
  const message = error instanceof ConfigError ? error.message : describeError(error);
  process.stderr.write(`oidc-handover: ${message}\n`);
  process.exit(1);
});
