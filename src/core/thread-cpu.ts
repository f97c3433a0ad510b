import { readFileSync } from 'node:fs';

/** Linux's clock ticks a second for /proc times (USER_HZ, 100 on every mainstream kernel configuration). */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) the calling OS thread has used, from /proc/thread-self/stat (Linux; NaN elsewhere).
 * Unlike process.cpuUsage() it counts this thread only, so a benchmark can see each worker thread's share on a
 * shared machine. Resolution: 10 ms.
 */
export function threadCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}
