/**
 * The English words of what only a call shows (videos, incoming prompt, call
 * controls, device pickers): they come with the call engine's chunk, like
 * the panels' words with theirs (labels.ts has the core's).
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
};
