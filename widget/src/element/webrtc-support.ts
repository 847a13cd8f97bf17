/**
 * Whether this browser can make calls at all. Some cannot: in-app browsers,
 * old WebViews, WebKitGTK built without WebRTC (Debian's). There the element
 * keeps its lobby (name, room, who is in it) and says it cannot call.
 */
export const hasWebRTC = typeof RTCPeerConnection == "function";
