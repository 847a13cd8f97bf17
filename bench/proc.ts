/**
 * Readings from /proc: memory and CPU time of a process (or a whole process tree, for
 * Chromium), and of the machine, so each part of the run can say how much of the two
 * cores went to the process under test and how much to everybody else.
 */

export interface ServerMemory {
  /** Resident set size now (VmRSS), bytes. */
  rss: number;
  /** Peak resident set size so far (VmHWM), bytes. */
  hwm: number;
}

export async function readMemory(pid: number): Promise<ServerMemory> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kib = (field: string) => {
    const match = status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
}

/** Clock ticks per second for /proc/<pid>/stat; 100 on every Linux we run on. */
const CLOCK_TICKS = 100;

/**
 * CPU time the whole machine spent busy (user, nice, system, irq, softirq, steal) over
 * all cores, seconds; with the bench's and the server's own share subtracted it tells
 * how much other work (e.g. someone's browser tests) competed with the run.
 */
export async function machineBusySeconds(): Promise<number> {
  const stat = await Deno.readTextFile("/proc/stat");
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = stat.split("\n")[0]
    .trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
}

/** CPU time of the bench process itself (all its threads), seconds. */
export function ownCpuSeconds(): Promise<number> {
  return readCpuSeconds("self");
}

/** User + system CPU time of one process (all its threads), seconds. */
export async function readCpuSeconds(pid: number | "self"): Promise<number> {
  return cpuOf(await Deno.readTextFile(`/proc/${pid}/stat`));
}

/**
 * CPU time of `root` and every live descendant, seconds. Chromium runs as a browser
 * process plus zygote, GPU, network, renderer and utility children; the call setup
 * part subtracts all of them from the machine's total to find the other users' load.
 * Children that already exited are missed (their time is not in any live process).
 */
export async function processTreeCpuSeconds(root: number): Promise<number> {
  const stats = new Map<number, { ppid: number; cpu: number }>();
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`);
      stats.set(Number(entry.name), { ppid: Number(fieldsOf(stat)[1]), cpu: cpuOf(stat) });
    } catch {
      // exited while we listed /proc
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = stats.get(p)?.ppid) {
      if (p === root) return true;
    }
    return false;
  };
  let total = 0;
  for (const [pid, { cpu }] of stats) if (inTree(pid)) total += cpu;
  return total;
}

/** The fields after the parenthesised command name (which may itself hold spaces). */
function fieldsOf(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

function cpuOf(stat: string): number {
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat.
  const fields = fieldsOf(stat);
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
