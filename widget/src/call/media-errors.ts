/**
 * Turns getUserMedia failures into sentences a user can act on, in the
 * language of `text` (call-labels.ts has the English). The names are the
 * DOMException names of the Media Capture spec.
 */
import type { CallSentences } from "./status-text.ts";

export function describeMediaError(error: unknown, text: CallSentences): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : "";
  switch (name) {
    case "NotAllowedError":
    case "SecurityError":
      return text.mediaDenied;
    case "NotFoundError":
    case "DevicesNotFoundError":
      return text.mediaNotFound;
    case "NotReadableError":
    case "TrackStartError":
    case "AbortError":
      return text.mediaInUse;
    case "OverconstrainedError":
    case "ConstraintNotSatisfiedError":
      return text.mediaUnavailable;
    case "TypeError":
      return text.mediaInsecure;
    default:
      return text.mediaFailed;
  }
}
