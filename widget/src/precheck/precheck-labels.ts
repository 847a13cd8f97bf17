/**
 * The pre-call check's words in English, under the language's table and the
 * page's `labels` (element/words.ts).
 * `{…}` placeholders are filled in by `formatLabel`.
 */
export const englishPrecheckLabels = {
  precheckTitle: "Camera and network check",
  precheckPreview: "Camera check preview",
  precheckLevel: "Microphone level",
  precheckCamera: "Camera",
  precheckMicrophone: "Microphone",
  precheckSignaling: "Signaling service",
  precheckServers: "STUN/TURN servers",
  precheckServer: "Server",
  precheckChecking: "Checking…",
  precheckAgain: "Check again",
  precheckClose: "Close",
  precheckOpening: "opening…",
  precheckConnecting: "connecting…",
  precheckProbing: "checking…",
  precheckStopped: "stopped",
  precheckStoppedEarly: "The check was stopped before it finished.",
  precheckWorks: "works",
  precheckNoMeter: "works (no level meter in this browser)",
  precheckSpeak: "say something…",
  precheckSound: "sound detected",
  precheckNoSound: "no sound detected: is it muted or turned down?",
  precheckReachable: "reachable",
  precheckNotReachable: "not reachable ({status})",
  precheckNoneConfigured: "none configured",
  precheckTheCamera: "the camera",
  precheckTheMicrophone: "the microphone",
  precheckTheSignaling: "the signaling service",
  precheckNotReady: "Not ready: {problems}.",
  precheckReadyWarnings: "Ready, with warnings: {warnings}.",
  precheckReady: "Ready for calls: camera, microphone, signaling and network all work.",
  precheckNoServers:
    "no STUN/TURN server is configured, so calls may only work on the same network",
  precheckPublicAddress: "answers (public address found)",
  precheckNoNat: "answers (no NAT: it sees this device's own address)",
  precheckRelays: "answers and relays",
  precheckRejected: "rejected the credentials ({code})",
  precheckTimedOut: "did not answer within {seconds} s",
  precheckNoAnswerWith: "did not answer ({code} {text})",
  precheckNoAnswer: "did not answer",
  precheckNotUrl: "is not a stun: or turn: URL",
  precheckUnusable: "is not a usable server entry",
  precheckNoWebRTC: "cannot be checked: this browser has no WebRTC",
};

export type PrecheckWords = typeof englishPrecheckLabels;
