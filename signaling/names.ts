/**
 * What makes a user or room name acceptable, and when two names are too
 * alike to share a room. Names are shown to other users and used as map
 * keys, so they must be printable text of bounded length that shows what it
 * is: nothing invisible, nothing that changes the direction of the text
 * around it, no outer spaces, one spelling per look.
 *
 * - `normalizeName` is what the service does to every name before it judges
 *   it: NFC (so `amélie` typed with a combining accent is the `amélie` of
 *   everyone else, and Å is one Å however it was written), outer white space
 *   (ASCII, no-break, ideographic…) trimmed. A client whose name changed is
 *   told the name it got (`rejectusername`), as for a taken name.
 * - `describeNameProblem` refuses what normalising cannot make harmless.
 * - `nameSkeleton` is the UTS #39 confusable skeleton (the `unhomoglyph`
 *   package's copy of Unicode's confusables.txt): two names with one skeleton
 *   (`alice`, Cyrillic `аlice`, fullwidth `ａlice`) may not share a room, so
 *   the second is made unique like a taken name.
 */
import unhomoglyph from "unhomoglyph";

/**
 * Characters a name may not contain, with the reason:
 * - `Cc`: control characters fake line breaks and terminal escapes;
 * - `Cf`: format characters are invisible (zero-width spaces and joiners,
 *   soft hyphen, word joiner, BOM, tag characters) or reorder the text
 *   around them (bidi overrides, embeddings, isolates and marks: U+202E
 *   shows `ecila` as `alice`);
 * - `Zl`, `Zp`: U+2028/U+2029 break lines in logs and in other users' UI;
 * - `Co`, `Cn`: private-use and unassigned code points show as anything,
 *   or as nothing, depending on the font;
 * - other default-ignorable code points (Hangul fillers, U+034F, Mongolian
 *   vowel separator…) render as nothing.
 * Variation selectors (emoji presentation, ❤️) and a zero-width joiner
 * between two emoji (👩‍💻) stay allowed; the skeleton ignores them.
 */
const FORBIDDEN =
  /[\p{Cc}\p{Zl}\p{Zp}\p{Co}\p{Cn}]|(?![\u200D\uFE00-\uFE0F\u{E0100}-\u{E01EF}])[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;
/** A zero-width joiner that is not between an emoji (with its modifiers) and the next emoji. */
const LONE_JOINER =
  /(?<![\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F])\u200D|\u200D(?!\p{Extended_Pictographic})/u;
/** What a skeleton leaves out: invisible characters that were allowed. */
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
const SPACES = /\p{Zs}+/gu;

/** Characters as a person counts them (code points), not UTF-16 units. */
export function nameLength(name: string): number {
  let length = 0;
  for (const _ of name) length++;
  return length;
}

/**
 * The name the service registers for `value`: NFC, without outer white
 * space. Anything but a well-formed string is returned as is, for
 * `describeNameProblem` to refuse.
 */
export function normalizeName<T>(value: T): T | string {
  if (typeof value !== "string" || !value.isWellFormed()) return value;
  const trimmed = value.normalize("NFC").trim();
  // Only spaces: kept, so the refusal says so.
  return trimmed === "" ? value : trimmed;
}

/**
 * Why `value` is not a usable name, as the end of a sentence ("must not be
 * empty"), or null when it is fine. `value` is expected normalized.
 */
export function describeNameProblem(value: unknown, maxLength: number): string | null {
  if (typeof value !== "string") return "must be a string";
  if (value === "") return "must not be empty";
  if (!value.isWellFormed()) return "must be well-formed Unicode";
  if (value.trim() === "") return "must not be only spaces";
  if (FORBIDDEN.test(value) || LONE_JOINER.test(value)) {
    return "must not contain control, invisible or text-direction characters";
  }
  if (nameLength(value) > maxLength) return `must be at most ${maxLength} characters`;
  return null;
}

/**
 * The UTS #39 skeleton of a name: names that look alike have the same one
 * (`alice`, `аlice` with a Cyrillic а, `ａlice`, `alice` with a variation
 * selector). NFD, allowed invisibles dropped, every run of spaces one space,
 * confusables mapped to their prototype, NFD again.
 */
export function nameSkeleton(name: string): string {
  const bare = name.normalize("NFD").replace(IGNORABLE, "").replace(SPACES, " ");
  return unhomoglyph(bare).normalize("NFD");
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

/**
 * The name to register for `wanted` in a room: `wanted` itself if `taken`
 * says it is free, else the lowest free suffix (alice2, alice3, …). Probes
 * at most one name more than the room has members, so the room-size cap
 * bounds it, and nothing is remembered between calls.
 */
export function lowestFreeName(
  wanted: string,
  maxLength: number,
  taken: (name: string) => boolean,
): string {
  if (!taken(wanted)) return wanted;
  for (let suffix = 2;; suffix++) {
    const name = withSuffix(wanted, suffix, maxLength);
    if (!taken(name)) return name;
  }
}
