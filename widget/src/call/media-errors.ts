/**
 * Turns getUserMedia failures into sentences a user can act on. The names are
 * the DOMException names of the Media Capture spec.
 */
export function describeMediaError(error: unknown): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : "";
  switch (name) {
    case "NotAllowedError":
    case "SecurityError":
      return "Camera and microphone access was denied. Allow it in the browser's site settings.";
    case "NotFoundError":
    case "DevicesNotFoundError":
      return "No camera or microphone was found.";
    case "NotReadableError":
    case "TrackStartError":
    case "AbortError":
      return "The camera or microphone is in use by another application or could not be started.";
    case "OverconstrainedError":
    case "ConstraintNotSatisfiedError":
      return "The selected camera or microphone is not available. Choose another device.";
    case "TypeError":
      return "Camera and microphone are only available on secure (https) pages.";
    default:
      return "The camera or microphone could not be opened.";
  }
}
