/**
 * The English words of what the call engine shows (videos, incoming prompt,
 * call controls, device pickers, the tools row): they come with the engine's
 * chunk, like the panels' words with theirs (labels.ts has the core's).
 */
export const englishCallLabels = {
  remoteVideo: "Remote video",
  videoFrom: "Video from {name}",
  localVideo: "Your camera preview",
  callDuration: "Call duration",
  noCall: "No call",
  incomingCall: "Incoming call",
  incomingFrom: "Incoming call from {name}",
  accept: "Accept",
  acceptAudio: "Answer without camera",
  decline: "Decline",
  callControls: "Call controls",
  mute: "Mute",
  cameraOff: "Camera off",
  hangUp: "Hang up",
  camera: "Camera",
  microphone: "Microphone",
  shareScreen: "Share screen",
  chat: "Chat",
  chatUnread: "Chat, {count} unread",
  hearCall: "Click to hear the call",
  precheck: "Check camera & network",
  debugReport: "Debug report",
};
