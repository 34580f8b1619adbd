import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { demoConfigJson, freePort } from '../test/support/provider.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

/** The provider under test, running in its own process. */
export interface ProviderProcess {
  url: string;
  pid: number;
  /** Where its log lines go (a file, so that the benchmark never reads them on the hot path). */
  logPath: string;
  stop(): Promise<void>;
}

/** How to start the provider for the benchmark. */
export interface ProviderProcessOptions {
  databaseUrl: string;
  /** A folder for a V8 CPU profile (--cpu-prof), written when the process exits. */
  profileDir?: string | undefined;
}

/**
 * The demo configuration with the handover's rate limit off (the benchmark repeats one
 * app's exchange thousands of times) and the longest token lifetime, because handover
 * tokens are minted before each measured round.
 */
function benchConfig(port: number): Record<string, unknown> {
  const json = demoConfigJson();
  const handover = json.handover as Record<string, unknown>;
  return {
    ...json,
    issuer: `http://127.0.0.1:${port}`,
    port,
    handover: { ...handover, exchangesPerMinute: 0, ttl: 300 },
  };
}

async function waitUntilReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the provider exited with code ${child.exitCode}`);
    }
    const ready = await fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the provider did not become ready in time');
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Starts `provider/main.ts` in a child process on a free loopback port and waits for it. */
export async function startProviderProcess(
  options: ProviderProcessOptions,
): Promise<ProviderProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'oidc-handover-bench-provider-'));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(benchConfig(port)));
  const logPath = join(dir, 'provider.log');
  const log = openSync(logPath, 'a');
  const profile = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  const child = spawn(process.execPath, [...profile, 'provider/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, HANDOVER_CONFIG: configPath, DATABASE_URL: options.databaseUrl },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(url, child);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { url, pid: child.pid!, logPath, stop: () => stopChild(child) };
}
