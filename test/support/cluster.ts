import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { demoConfigJson, freePort } from './provider.ts';

const MAIN = fileURLToPath(new URL('../../provider/main.ts', import.meta.url));
const CLOCK_SKEW = fileURLToPath(new URL('./clock_skew.ts', import.meta.url));
const READY_TIMEOUT_MS = 30_000;

/** Every line any provider process of this test run wrote, stdout and stderr alike. */
export const processLogs: string[] = [];

/** The subset of `processLogs` written to stdout, where the provider's own log goes. */
export const processStdout: string[] = [];

/** One provider process of a cluster. */
export interface ProviderProcess {
  /** Where this instance listens (on loopback). */
  url: string;
  port: number;
  /** Kills the process with SIGKILL: no shutdown code runs, as in a crash. */
  kill(): Promise<void>;
  /** Starts the process again with the same configuration and waits until it is ready. */
  restart(): Promise<void>;
}

/** Two provider processes behind an imagined load balancer: one issuer, one database. */
export interface Cluster {
  issuer: string;
  instances: [ProviderProcess, ProviderProcess];
  /** The lines written by this cluster's processes. */
  logs: string[];
  close(): Promise<void>;
}

/** Options of a cluster. */
export interface ClusterOptions {
  databaseUrl: string;
  /** Changes to the demo configuration JSON, applied before it is written. */
  configure?: (json: Record<string, unknown>) => void;
  /** Milliseconds each instance's clock runs ahead (or behind, when negative); default none. */
  clockSkewMs?: [number, number];
}

async function waitUntilReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`provider process exited with ${child.exitCode} before it was ready`);
    }
    const ready = await fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`provider at ${url} was not ready within ${READY_TIMEOUT_MS} ms`);
}

function captureLines(child: ChildProcess, logs: string[]): void {
  const streams = [
    [child.stdout, processStdout],
    [child.stderr, undefined],
  ] as const;
  for (const [stream, alsoInto] of streams) {
    if (stream) {
      createInterface({ input: stream }).on('line', (line) => {
        logs.push(line);
        processLogs.push(line);
        alsoInto?.push(line);
      });
    }
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

const running = new Set<ChildProcess>();

// mocha exits the process when the run ends; no provider process may outlive it.
process.once('exit', () => {
  for (const child of running) {
    child.kill('SIGKILL');
  }
});

interface InstanceOptions {
  port: number;
  configPath: string;
  clockSkewMs: number;
}

function createInstance(options: InstanceOptions, logs: string[]): ProviderProcess {
  const { port, configPath, clockSkewMs } = options;
  let child: ChildProcess | undefined;
  const url = `http://127.0.0.1:${port}`;
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const args = clockSkewMs === 0 ? [MAIN] : ['--import', CLOCK_SKEW, MAIN];
  const launch = async () => {
    const started = spawn(process.execPath, args, {
      env: {
        ...env,
        HANDOVER_CONFIG: configPath,
        PORT: String(port),
        HANDOVER_TEST_CLOCK_SKEW_MS: String(clockSkewMs),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    running.add(started);
    started.once('exit', () => running.delete(started));
    captureLines(started, logs);
    await waitUntilReady(url, started);
  };
  return {
    url,
    port,
    async kill() {
      if (child) {
        child.kill('SIGKILL');
        await exited(child);
      }
    },
    restart: launch,
  };
}

function writeConfig(options: ClusterOptions, issuer: string): { dir: string; path: string } {
  const json = demoConfigJson();
  options.configure?.(json);
  const dir = mkdtempSync(join(tmpdir(), 'handover-cluster-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify({ ...json, issuer, database: options.databaseUrl }));
  return { dir, path };
}

/**
 * Starts two provider processes on two ports sharing one issuer and one database. The first
 * port is the issuer's, so discovery documents point there; the second serves the same data.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const ports = [await freePort(), await freePort()] as const;
  const issuer = `http://127.0.0.1:${ports[0]}`;
  const { dir, path } = writeConfig(options, issuer);
  const logs: string[] = [];
  const skews = options.clockSkewMs ?? [0, 0];
  const instances: [ProviderProcess, ProviderProcess] = [
    createInstance({ port: ports[0], configPath: path, clockSkewMs: skews[0] }, logs),
    createInstance({ port: ports[1], configPath: path, clockSkewMs: skews[1] }, logs),
  ];
  // One after the other: the first start creates the schema and the shared keys.
  await instances[0].restart();
  await instances[1].restart();
  return {
    issuer,
    instances,
    logs,
    async close() {
      await Promise.all(instances.map((instance) => instance.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
