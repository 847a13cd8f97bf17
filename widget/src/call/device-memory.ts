/**
 * The user's last camera, microphone and speaker choice, kept in
 * localStorage so the next call (or the next visit) starts with them.
 *
 * Storage is optional: a sandboxed iframe without `allow-same-origin`, a
 * browser with site data blocked or a full quota makes `localStorage` throw
 * (even reading the property), and then choices last only as long as the page.
 */

/** What a picker chooses: the two capture kinds and the speaker. */
export type PickerKind = "videoinput" | "audioinput" | "audiooutput";

export type DeviceChoices = Partial<Record<PickerKind, string>>;

export const DEVICE_MEMORY_KEY = "p2p-call:devices";

const KINDS: readonly PickerKind[] = ["videoinput", "audioinput", "audiooutput"];

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/** The remembered choices; `{}` when there are none or storage is unavailable or garbled. */
export function loadDeviceChoices(): DeviceChoices {
  try {
    const parsed: unknown = JSON.parse(storage()?.getItem(DEVICE_MEMORY_KEY) ?? "{}");
    const choices: DeviceChoices = {};
    if (typeof parsed !== "object" || parsed === null) return choices;
    for (const kind of KINDS) {
      const value = (parsed as Record<string, unknown>)[kind];
      if (typeof value === "string" && value !== "") choices[kind] = value;
    }
    return choices;
  } catch {
    return {};
  }
}

/** Remembers one choice; silently does nothing where storage is unavailable. */
export function saveDeviceChoice(kind: PickerKind, deviceId: string): void {
  try {
    const store = storage();
    if (!store) return;
    store.setItem(DEVICE_MEMORY_KEY, JSON.stringify({ ...loadDeviceChoices(), [kind]: deviceId }));
  } catch {
    // Quota exceeded or storage revoked mid-session: the choice still applies now.
  }
}
