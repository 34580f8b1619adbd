import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { demoConfigJson, freePort, freshDatabase } from './provider.ts';

/** The project's root folder, where `npm start` runs. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where a spawned provider keeps its state: a new PostgreSQL database or a PGlite folder. */
export async function spawnStorage(): Promise<{ database?: string; dataDir: string }> {
  const fresh = await freshDatabase();
  if (fresh.database) {
    return fresh;
  }
  // Another process cannot share an in-memory database, so PGlite gets a folder of its own.
  return { dataDir: join(mkdtempSync(join(tmpdir(), 'handover-test-')), 'data') };
}

/** Writes a configuration file into a temp folder and returns its path. */
export function writeConfigFile(json: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'handover-config-')), 'config.json');
  writeFileSync(path, typeof json === 'string' ? json : JSON.stringify(json));
  return path;
}

/** The demo configuration on a free port with the given storage, written to a file. */
export async function providerConfigFile(
  storage: { database?: string; dataDir: string },
  configure: (json: Record<string, unknown>) => void = () => {},
): Promise<{ path: string; url: string }> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const json = { ...demoConfigJson(), ...storage, issuer: url, port };
  configure(json);
  return { path: writeConfigFile(json), url };
}

/** The environment of a spawned command: ours, without overrides that would beat the file. */
function childEnv(): NodeJS.ProcessEnv {
  const {
    DATABASE_URL: _url,
    HANDOVER_CONFIG: _config,
    PORT: _port,
    ISSUER: _issuer,
    ...env
  } = process.env;
  return env;
}

/** What a finished command printed and how it ended. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one of the project's scripts (a .ts file) with Node and waits for it to end. */
export function runScript(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CommandResult> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...childEnv(), ...env },
  });
  return finished(child);
}

/** Runs an npm script of the project, as a person would type it, and waits for it to end. */
export function runNpm(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  const child = spawn('npm', args, { cwd: PROJECT_ROOT, env: { ...childEnv(), ...env } });
  return finished(child);
}

function finished(child: ChildProcess): Promise<CommandResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A provider running as its own process, as `npm start` runs it. */
export interface SpawnedProvider {
  child: ChildProcess;
  /** Resolves when the process has ended. */
  exit: Promise<CommandResult>;
}

/** Starts `provider/main.ts --config <path>` and waits until it listens. */
export async function spawnProvider(configPath: string): Promise<SpawnedProvider> {
  const child = spawn(process.execPath, ['provider/main.ts', '--config', configPath], {
    cwd: PROJECT_ROOT,
    env: childEnv(),
  });
  const exit = finished(child);
  let printed = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      printed += String(chunk);
      if (printed.includes('"event":"listening"')) {
        resolve();
      }
    });
    exit.then((result) => reject(new Error(`provider exited early: ${result.stderr}`)));
  });
  return { child, exit };
}
