/**
 * Structured logs: one JSON object per line on stdout, so they can be piped
 * into any log collector. Callers pass only the fields they choose; relayed
 * payloads (SDP, ICE candidates, chat text) are never handed to the logger.
 */

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = typeof LOG_LEVELS[number];

export type LogFields = Record<string, string | number | boolean | null | undefined>;

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/**
 * What JSON.stringify leaves raw but must not reach a log line as is: line
 * and paragraph separators (a line break to many viewers), NEL, and the
 * invisible or text-direction characters (U+202E would show `ecila` as
 * `alice`). They can only occur inside JSON strings, where `\uXXXX` means
 * the same character.
 */
const UNSAFE_IN_LOGS = /[\u0085\p{Zl}\p{Zp}\p{Cf}\p{Co}\p{Cn}]/gu;

function escapeUnits(char: string): string {
  let escaped = "";
  for (let i = 0; i < char.length; i++) {
    escaped += "\\u" + char.charCodeAt(i).toString(16).padStart(4, "0");
  }
  return escaped;
}

/** Formats one log line; exported so `main.ts` can print the startup line whatever the level. */
export function formatLogLine(
  level: Exclude<LogLevel, "silent">,
  msg: string,
  fields: LogFields = {},
): string {
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
  return line.replace(UNSAFE_IN_LOGS, escapeUnits);
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
