/**
 * Helpers for tests that run a real server binary (redis-server, turnserver):
 * a free loopback port, "wait until it accepts TCP connections", and the
 * tail of its output for error messages. Plain Deno, no dependencies.
 */

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Lines of a child's output, one at a time (the last one even without its newline). */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      yield buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
    }
  }
  if (buffer) yield buffer;
}

/** The last lines a child printed (stdout and stderr), kept for error messages. */
export class OutputTail {
  readonly #lines: string[] = [];
  readonly #max: number;
  /** Resolves when both streams have ended (await it before the test ends). */
  readonly done: Promise<void>;

  /** Reads `streams` (e.g. a child's stdout and stderr) to their end. */
  constructor(streams: ReadableStream<Uint8Array>[], max = 40) {
    this.#max = max;
    this.done = Promise.all(streams.map((stream) => this.#drain(stream))).then(() => {});
  }

  toString(): string {
    return this.#lines.join("\n");
  }

  async #drain(stream: ReadableStream<Uint8Array>): Promise<void> {
    let buffer = "";
    try {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        buffer += chunk;
        const lines = buffer.split("\n");
        buffer = lines.pop()!;
        for (const line of lines) this.#push(line);
      }
    } catch {
      // The child was killed mid-write; what we have is enough.
    }
    if (buffer) this.#push(buffer);
  }

  #push(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.#max) this.#lines.shift();
  }
}

/** Spawns `binary`, or throws a message saying which Debian package provides it. */
export function spawnBinary(binary: string, args: string[], debianPackage: string) {
  try {
    return new Deno.Command(binary, { args, stdin: "null", stdout: "piped", stderr: "piped" })
      .spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `${binary} is not installed: install the Debian package ${debianPackage} ` +
          `(apt-get install ${debianPackage}; .ci/run does this)`,
      );
    }
    throw error;
  }
}

/**
 * Resolves once something accepts TCP connections on 127.0.0.1:`port`;
 * rejects if the child exits first or `timeoutMs` passes.
 */
export async function waitForTcp(
  port: number,
  child: Deno.ChildProcess,
  what: string,
  output: OutputTail,
  timeoutMs = 10_000,
): Promise<void> {
  let exited: Deno.CommandStatus | undefined;
  child.status.then((status) => exited = status, () => {});
  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (exited) {
      await output.done;
      throw new Error(`${what} exited (code ${exited.code}) before listening:\n${output}`);
    }
    try {
      const connection = await Deno.connect({ hostname: "127.0.0.1", port });
      connection.close();
      return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} did not listen on port ${port} within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Stops a child: `signal`, then SIGKILL if it lingers; waits for it and its output. */
export async function stopChild(
  child: Deno.ChildProcess,
  output: OutputTail,
  signal: Deno.Signal = "SIGTERM",
  graceMs = 3000,
): Promise<void> {
  try {
    child.kill(signal);
  } catch {
    // Already exited.
  }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Exited meanwhile.
    }
  }, graceMs);
  await child.status;
  clearTimeout(timer);
  await output.done;
}
