/**
 * Structured logs: one JSON object per line on stdout, so they can be piped
 * into any log collector. Callers pass only the fields they choose; relayed
 * payloads (SDP, ICE candidates, chat text) are never handed to the logger.
 */

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = typeof LOG_LEVELS[number];

export type LogFields = Record<string, string | number | boolean | null | undefined>;

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** Formats one log line; exported so `main.ts` can print the startup line whatever the level. */
export function formatLogLine(
  level: Exclude<LogLevel, "silent">,
  msg: string,
  fields: LogFields = {},
): string {
  return JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
}

export class Logger {
  #threshold: number;
  #write: (line: string) => void;

  constructor(level: LogLevel, write: (line: string) => void = (line) => console.log(line)) {
    this.#threshold = RANK[level];
    this.#write = write;
  }

  debug(msg: string, fields?: LogFields): void {
    this.#log("debug", msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.#log("info", msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.#log("warn", msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.#log("error", msg, fields);
  }

  #log(level: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields): void {
    if (RANK[level] < this.#threshold) return;
    this.#write(formatLogLine(level, msg, fields));
  }
}
