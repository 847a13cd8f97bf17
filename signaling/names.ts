/**
 * What makes a user or room name acceptable. Names are shown to other users
 * and used as map keys, so they must be printable text of bounded length;
 * beyond that the service does not judge them (no case folding, no trimming),
 * because silently changing a name would make `target` lookups surprising.
 */

// Control characters would let a name fake line breaks or terminal escapes in
// another user's UI and in our logs.
const CONTROL = /\p{Cc}/u;

/** Characters as a person counts them (code points), not UTF-16 units. */
export function nameLength(name: string): number {
  let length = 0;
  for (const _ of name) length++;
  return length;
}

/**
 * Why `value` is not a usable name, as the end of a sentence ("must not be
 * empty"), or null when it is fine.
 */
export function describeNameProblem(value: unknown, maxLength: number): string | null {
  if (typeof value !== "string") return "must be a string";
  if (value === "") return "must not be empty";
  if (!value.isWellFormed()) return "must be well-formed Unicode";
  if (CONTROL.test(value)) return "must not contain control characters";
  if (value.trim() === "") return "must not be only spaces";
  if (nameLength(value) > maxLength) return `must be at most ${maxLength} characters`;
  return null;
}

/**
 * `base` with a number appended (alice → alice2), shortened first if the
 * result would exceed `maxLength`, so made-unique names obey the same limit.
 */
export function withSuffix(base: string, suffix: number, maxLength: number): string {
  const tail = String(suffix);
  const room = maxLength - tail.length;
  const chars = [...base];
  return (chars.length > room ? chars.slice(0, Math.max(room, 0)).join("") : base) + tail;
}
