import { spawn } from 'node:child_process';

function openerCommand(): [string, string[]] {
  if (process.platform === 'darwin') {
    return ['open', []];
  }
  if (process.platform === 'win32') {
    return ['cmd', ['/c', 'start', '""']];
  }
  return ['xdg-open', []];
}

/** Tries to open a URL in the system browser; the caller prints it as well, for copying. */
export function openInBrowser(url: URL): void {
  const [command, args] = openerCommand();
  try {
    const child = spawn(command, [...args, url.toString()], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // No opener on this machine: the printed URL is enough.
  }
}
