/**
 * The service as a separate process (`deno run signaling/main.ts`), for tests
 * that must kill it without any cleanup, as a crash would.
 */
import { lines, OutputTail } from "../support/process.ts";

const MAIN = new URL("../../signaling/main.ts", import.meta.url).pathname;

/** `deno run` of main.ts with the permissions it needs, followed by `args`. */
export function serviceCommand(
  args: string[],
  options: Omit<Deno.CommandOptions, "args"> = {},
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-read", "--allow-env", MAIN, ...args],
    ...options,
  });
}

export interface ChildService extends AsyncDisposable {
  port: number;
  pid: number;
  /** Whether the process has exited (crashed, or after `kill`). */
  readonly exited: boolean;
  /** What it printed so far (stdout and stderr). */
  output(): string;
  /** From the listening line (set when the service runs with Redis). */
  instance: string | undefined;
  /** Sends a signal and waits for the process to exit. */
  kill(signal: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** `serviceCommand` under `ulimit -n openFiles`: a process that runs out of fds early. */
function limitedCommand(
  openFiles: number,
  args: string[],
  options: Omit<Deno.CommandOptions, "args">,
): Deno.Command {
  const run = ["run", "--allow-net", "--allow-read", "--allow-env", MAIN, ...args];
  // exec keeps the pid, so /proc/<pid>/fd is the service's.
  return new Deno.Command("bash", {
    args: ["-c", 'ulimit -n "$0" && exec "$@"', String(openFiles), Deno.execPath(), ...run],
    ...options,
  });
}

export interface SpawnOptions {
  /** `ulimit -n` for the process. */
  openFiles?: number;
}

/** Starts main.ts on 127.0.0.1, port 0, and resolves once it prints its listening line. */
export async function spawnService(
  args: string[],
  { openFiles }: SpawnOptions = {},
): Promise<ChildService> {
  const fullArgs = ["--port", "0", "--host", "127.0.0.1", "--log-level", "warn", ...args];
  const options = { stdin: "null", stdout: "piped", stderr: "piped" } as const;
  const child =
    (openFiles === undefined
      ? serviceCommand(fullArgs, options)
      : limitedCommand(openFiles, fullArgs, options)).spawn();
  const [forListening, forTail] = child.stdout.tee();
  const output = new OutputTail([forTail, child.stderr]);
  let status: Deno.CommandStatus | undefined;
  let exited = false;
  void child.status.then(() => exited = true);
  const kill = async (signal: Deno.Signal) => {
    if (!status) {
      try {
        child.kill(signal);
      } catch {
        // Already exited.
      }
    }
    status = await child.status;
    await output.done;
    return status;
  };

  try {
    // Leaving the loop cancels this branch; the tail keeps reading its twin.
    for await (const line of lines(forListening)) {
      if (!line.includes('"msg":"listening"')) continue;
      const listening = JSON.parse(line);
      return {
        port: listening.port,
        pid: child.pid,
        get exited() {
          return exited;
        },
        output: () => String(output),
        instance: listening.instance,
        kill,
        [Symbol.asyncDispose]: async () => void await kill("SIGKILL"),
      };
    }
    await output.done;
    throw new Error(`the service exited before listening:\n${output}`);
  } catch (error) {
    await kill("SIGKILL");
    throw error;
  }
}
