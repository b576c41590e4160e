// Wraps window.RTCPeerConnection before the SDK creates one, so every instance can be inspected
// with getStats(). Imported first by main.js.
export const peerConnections = [];

const Native = window.RTCPeerConnection;
class CapturedRTCPeerConnection extends Native {
  constructor(...args) {
    super(...args);
    peerConnections.push({ pc: this, config: args[0] ?? null, createdAt: Date.now() });
  }
}
window.RTCPeerConnection = CapturedRTCPeerConnection;
