import { existsSync, readdirSync, readFileSync } from 'node:fs';

// Linux reports CPU time in clock ticks; USER_HZ is 100 on every mainstream kernel build.
const TICK_MS = 10;

interface ProcStat {
  ppid: number;
  /** Own user + system time in milliseconds. */
  ownMs: number;
  /** User + system time of reaped children in milliseconds. */
  reapedChildrenMs: number;
}

function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name in parentheses may contain spaces; the fields after it are fixed.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const tick = (index: number) => Number(fields[index]) * TICK_MS;
  return {
    ppid: Number(fields[1]),
    ownMs: tick(11) + tick(12),
    reapedChildrenMs: tick(13) + tick(14),
  };
}

/** Answers whether CPU times can be read from /proc on this machine (Linux only). */
export function canReadCpuTimes(): boolean {
  return existsSync('/proc/self/stat');
}

/** CPU milliseconds (user + system) one process has used so far. */
export function processCpuMs(pid: number): number {
  return readProcStat(pid)?.ownMs ?? 0;
}

function childPids(parent: number): number[] {
  const pids = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
  return pids.filter((pid) => readProcStat(pid)?.ppid === parent);
}

/**
 * CPU milliseconds a PostgreSQL server has used: the postmaster, its live backends, and the
 * backends that already exited (their time is added to the postmaster's when reaped).
 */
export function serverCpuMs(postmasterPid: number): number {
  const postmaster = readProcStat(postmasterPid);
  if (!postmaster) {
    return 0;
  }
  const live = childPids(postmasterPid).reduce((sum, pid) => sum + processCpuMs(pid), 0);
  return postmaster.ownMs + postmaster.reapedChildrenMs + live;
}

/** The parent of a process: for a PostgreSQL backend, the postmaster. */
export function parentPid(pid: number): number | undefined {
  return readProcStat(pid)?.ppid;
}
