// Test page for the browser end-to-end tests. Bundled by esbuild (run.mjs) into bundle.js and
// driven by playwright through the functions on `window.e2e`:
//   join({url, token, publishVideo, publishAudio, simulcast, metadata}) -> Promise<{peerId, peers}>
//   setTargetEncoding(trackId, encoding) -> the SDK's setTargetTrackEncoding (simulcast layer)
//   leave()  -> disconnects the SDK client (closes the WebSocket), stops local media
//   state()  -> plain JSON snapshot: joined, peers, remote tracks, socket state, event log
//   stats()  -> Promise<JSON> from RTCPeerConnection.getStats() of every peer connection
import { peerConnections } from "./pc-capture.js";
import { JellyfishClient } from "@jellyfish-dev/ts-client-sdk";

const startedAt = Date.now();
const now = () => Date.now() - startedAt;

const s = {
  client: null,
  joined: false,
  joinedAt: null,
  peerId: null,
  initialPeers: [], // peers listed in `joined`
  peers: {}, // id -> {metadata, joinedVia: "joined"|"peerJoined", left: bool}
  peerJoined: [], // ids from peerJoined events, in order
  peerLeft: [], // ids from peerLeft events, in order
  remoteTracks: {}, // trackId -> {owner, kind, metadata, added, ready, removed, streamId}
  localTracks: [], // {trackId, kind, label}
  localStreams: [],
  socket: { opened: false, closed: null, errors: 0 },
  events: [], // {t, name, detail}
  mediaIn: [], // {t, type} media events received (custom unwrapped)
  mediaOut: [], // {t, type} media events sent
  mediaErrors: [],
  bandwidthEstimations: [], // {t, estimation} from custom bandwidthEstimation (SDK "bandwidthEstimationChanged"), bits/s
  encodingChanges: [], // {t, trackId, encoding, reason} from encodingSwitched (trackContext "encodingChanged")
  consoleErrors: [],
};

function log(name, detail) {
  s.events.push({ t: now(), name, detail: detail === undefined ? null : detail });
}

function unwrapType(json) {
  try {
    let event = JSON.parse(json);
    while (event && event.type === "custom" && event.data) event = event.data;
    return event ? String(event.type) : "?";
  } catch (e) {
    return "unparsable";
  }
}

window.addEventListener("error", (e) => s.consoleErrors.push(`${now()} ${e.message}`));
window.addEventListener("unhandledrejection", (e) => s.consoleErrors.push(`${now()} unhandled rejection: ${e.reason}`));

function trackInfo(ctx) {
  return {
    trackId: ctx?.trackId ?? null,
    owner: ctx?.endpoint?.id ?? null,
    kind: ctx?.track?.kind ?? null,
    metadata: ctx?.metadata ?? null,
  };
}

function attachClient(client) {
  client.on("socketOpen", () => {
    s.socket.opened = true;
    log("socketOpen");
  });
  client.on("socketClose", (event) => {
    s.socket.closed = { code: event.code, reason: event.reason, wasClean: event.wasClean, t: now() };
    log("socketClose", { code: event.code, reason: event.reason });
  });
  client.on("socketError", () => {
    s.socket.errors += 1;
    log("socketError");
  });
  client.on("authSuccess", () => log("authSuccess"));
  client.on("authError", () => log("authError"));
  client.on("joined", (peerId, peers) => {
    s.joined = true;
    s.joinedAt = now();
    s.peerId = peerId;
    s.initialPeers = (peers ?? []).map((p) => p.id);
    for (const p of peers ?? []) s.peers[p.id] = { metadata: p.metadata ?? null, joinedVia: "joined", left: false };
    log("joined", { peerId, peers: s.initialPeers });
  });
  client.on("joinError", (metadata) => log("joinError", metadata ?? null));
  client.on("disconnected", () => log("disconnected"));
  client.on("error", (e) => log("error", String(e?.message ?? e)));
  client.on("peerJoined", (peer) => {
    s.peerJoined.push(peer.id);
    s.peers[peer.id] = { metadata: peer.metadata ?? null, joinedVia: "peerJoined", left: false };
    log("peerJoined", { id: peer.id, metadata: peer.metadata ?? null });
  });
  client.on("peerLeft", (peer) => {
    s.peerLeft.push(peer.id);
    if (s.peers[peer.id]) s.peers[peer.id].left = true;
    log("peerLeft", { id: peer.id });
  });
  client.on("peerUpdated", (peer) => log("peerUpdated", { id: peer.id, metadata: peer.metadata ?? null }));
  client.on("trackAdded", (ctx) => {
    const info = trackInfo(ctx);
    s.remoteTracks[info.trackId] = { ...info, added: now(), ready: null, removed: null, streamId: null };
    log("trackAdded", info);
  });
  client.on("trackReady", (ctx) => {
    const info = trackInfo(ctx);
    const entry = (s.remoteTracks[info.trackId] ??= { ...info, added: null, removed: null });
    Object.assign(entry, { kind: info.kind, owner: info.owner, ready: now(), streamId: ctx.stream?.id ?? null });
    log("trackReady", info);
    ctx.on?.("encodingChanged", (c) => {
      const change = { t: now(), trackId: c.trackId, encoding: c.encoding ?? null, reason: c.encodingReason ?? null };
      s.encodingChanges.push(change);
      log("encodingChanged", change);
    });
    if (ctx.track?.kind === "video" && ctx.stream) {
      // Attach to a <video> so the renderer keeps decoding like in a real app.
      const video = document.createElement("video");
      video.autoplay = true;
      video.muted = true;
      video.playsInline = true;
      video.width = 160;
      video.dataset.trackId = info.trackId;
      video.srcObject = ctx.stream;
      document.getElementById("videos").appendChild(video);
    }
  });
  client.on("trackRemoved", (ctx) => {
    const info = trackInfo(ctx);
    if (info.trackId && s.remoteTracks[info.trackId]) s.remoteTracks[info.trackId].removed = now();
    log("trackRemoved", info);
    document.querySelector(`video[data-track-id="${info.trackId}"]`)?.remove();
  });
  client.on("trackUpdated", (ctx) => log("trackUpdated", trackInfo(ctx)));
  client.on("bandwidthEstimationChanged", (estimation) => {
    s.bandwidthEstimations.push({ t: now(), estimation: Number(estimation) });
    if (s.bandwidthEstimations.length > 500) s.bandwidthEstimations.shift();
  });
}

// The SDK creates its WebRTCEndpoint in connect(); hook it to record every media event.
function hookMediaEvents(client) {
  const webrtc = client.webrtc;
  if (!webrtc) return;
  const receive = webrtc.receiveMediaEvent;
  webrtc.receiveMediaEvent = (data) => {
    s.mediaIn.push({ t: now(), type: unwrapType(data) });
    try {
      return receive(data);
    } catch (e) {
      s.mediaErrors.push(`${now()} handling ${unwrapType(data)}: ${e?.message ?? e}`);
      log("mediaEventError", { type: unwrapType(data), message: String(e?.message ?? e) });
      throw e;
    }
  };
  webrtc.on("sendMediaEvent", (data) => s.mediaOut.push({ t: now(), type: unwrapType(data) }));
}

async function publish(client, { publishVideo, publishAudio, simulcast }) {
  if (!publishVideo && !publishAudio) return;
  // Simulcast needs a picture large enough for Chrome to send three layers (it drops layers
  // below its per-resolution limits): 960x540 gives h 960x540, m 480x270, l 240x135.
  const video = simulcast ? { width: 960, height: 540, frameRate: 15 } : { width: 320, height: 240, frameRate: 15 };
  const stream = await navigator.mediaDevices.getUserMedia({ video: publishVideo ? video : false, audio: !!publishAudio });
  s.localStreams.push(stream);
  for (const track of stream.getTracks()) {
    const metadata = { type: track.kind === "video" ? "camera" : "microphone" };
    const simulcastConfig =
      simulcast && track.kind === "video" ? { enabled: true, activeEncodings: ["l", "m", "h"] } : undefined;
    const trackId = client.addTrack(track, stream, metadata, simulcastConfig);
    s.localTracks.push({ trackId, kind: track.kind, label: track.label });
    log("localTrackAdded", { trackId, kind: track.kind });
  }
}

function join({ url, token, publishVideo = false, publishAudio = false, simulcast = false, metadata = {} }) {
  if (s.client) throw new Error("join() called twice");
  const client = new JellyfishClient();
  s.client = client;
  attachClient(client);
  const joined = new Promise((resolve, reject) => {
    client.on("joined", (peerId, peers) => {
      document.getElementById("status").textContent = `joined as ${peerId}`;
      publish(client, { publishVideo, publishAudio, simulcast })
        .then(() => resolve({ peerId, peers: (peers ?? []).map((p) => p.id) }))
        .catch((e) => {
          log("publishError", String(e?.message ?? e));
          reject(new Error(`getUserMedia/addTrack failed: ${e?.message ?? e}`));
        });
    });
    client.on("joinError", (m) => reject(new Error(`joinError: ${JSON.stringify(m)}`)));
    client.on("socketClose", (e) => reject(new Error(`socket closed before joined: ${e.code} ${e.reason}`)));
  });
  client.connect({ token, peerMetadata: metadata, signaling: { host: url, protocol: "ws" } });
  hookMediaEvents(client);
  log("connectCalled", { url });
  return joined;
}

function leave() {
  const client = s.client;
  if (!client) return false;
  try {
    // disconnect() sends the `disconnect` media event and closes the socket (the server only
    // removes the peer when the socket closes).
    client.disconnect();
  } finally {
    for (const stream of s.localStreams) stream.getTracks().forEach((t) => t.stop());
    for (const { pc } of peerConnections) {
      try {
        pc.close();
      } catch (e) {
        /* already closed */
      }
    }
    log("leaveCalled");
  }
  return true;
}

function state() {
  const midToTrackId = s.client?.webrtc?.midToTrackId;
  return {
    t: now(),
    joined: s.joined,
    peerId: s.peerId,
    initialPeers: s.initialPeers,
    peers: s.peers,
    peerJoined: s.peerJoined,
    peerLeft: s.peerLeft,
    remoteTracks: s.remoteTracks,
    localTracks: s.localTracks,
    socket: s.socket,
    events: s.events,
    mediaIn: s.mediaIn,
    mediaOut: s.mediaOut,
    mediaErrors: s.mediaErrors,
    consoleErrors: s.consoleErrors,
    bandwidthEstimations: s.bandwidthEstimations,
    encodingChanges: s.encodingChanges,
    midToTrackId: midToTrackId instanceof Map ? Object.fromEntries(midToTrackId) : null,
    peerConnections: peerConnections.map(({ pc }) => ({
      connectionState: pc.connectionState,
      iceConnectionState: pc.iceConnectionState,
      iceGatheringState: pc.iceGatheringState,
      signalingState: pc.signalingState,
    })),
  };
}

async function stats() {
  const midToTrackId = s.client?.webrtc?.midToTrackId;
  const result = [];
  for (const [index, { pc, config }] of peerConnections.entries()) {
    const report = await pc.getStats();
    const byId = new Map();
    report.forEach((r) => byId.set(r.id, r));
    const inbound = [];
    const outbound = [];
    const transports = [];
    const remoteInbound = [];
    report.forEach((r) => {
      if (r.type === "inbound-rtp") {
        inbound.push({
          kind: r.kind,
          mid: r.mid ?? null,
          trackId: r.mid != null && midToTrackId instanceof Map ? midToTrackId.get(r.mid) ?? null : null,
          trackIdentifier: r.trackIdentifier ?? null,
          ssrc: r.ssrc,
          codec: byId.get(r.codecId)?.mimeType ?? null,
          packetsReceived: r.packetsReceived ?? 0,
          packetsLost: r.packetsLost ?? 0,
          bytesReceived: r.bytesReceived ?? 0,
          framesDecoded: r.framesDecoded ?? null,
          frameWidth: r.frameWidth ?? null,
          frameHeight: r.frameHeight ?? null,
          totalSamplesReceived: r.totalSamplesReceived ?? null,
          concealedSamples: r.concealedSamples ?? null,
          nackCount: r.nackCount ?? null,
          pliCount: r.pliCount ?? null,
        });
      } else if (r.type === "outbound-rtp") {
        outbound.push({
          kind: r.kind,
          mid: r.mid ?? null,
          rid: r.rid ?? null,
          frameWidth: r.frameWidth ?? null,
          qualityLimitationReason: r.qualityLimitationReason ?? null,
          targetBitrate: r.targetBitrate ?? null,
          codec: byId.get(r.codecId)?.mimeType ?? null,
          packetsSent: r.packetsSent ?? 0,
          bytesSent: r.bytesSent ?? 0,
          framesEncoded: r.framesEncoded ?? null,
        });
      } else if (r.type === "remote-inbound-rtp") {
        remoteInbound.push({
          kind: r.kind,
          ssrc: r.ssrc,
          packetsLost: r.packetsLost ?? null,
          fractionLost: r.fractionLost ?? null,
          jitter: r.jitter ?? null,
          roundTripTime: r.roundTripTime ?? null,
        });
      } else if (r.type === "transport") {
        const pair = byId.get(r.selectedCandidatePairId);
        const local = pair ? byId.get(pair.localCandidateId) : null;
        const remote = pair ? byId.get(pair.remoteCandidateId) : null;
        transports.push({
          iceState: r.iceState ?? null,
          dtlsState: r.dtlsState ?? null,
          dtlsRole: r.dtlsRole ?? null,
          srtpCipher: r.srtpCipher ?? null,
          selectedPair: pair
            ? {
                state: pair.state,
                availableOutgoingBitrate: pair.availableOutgoingBitrate ?? null,
                currentRoundTripTime: pair.currentRoundTripTime ?? null,
                local: local ? `${local.candidateType} ${local.protocol} ${local.address}:${local.port}` : null,
                remote: remote ? `${remote.candidateType} ${remote.protocol} ${remote.address}:${remote.port}` : null,
              }
            : null,
        });
      }
    });
    result.push({
      index,
      iceServers: (config?.iceServers ?? []).map((x) => x.urls),
      connectionState: pc.connectionState,
      iceConnectionState: pc.iceConnectionState,
      signalingState: pc.signalingState,
      transports,
      inbound,
      outbound,
      remoteInbound,
    });
  }
  return result;
}

function setTargetEncoding(trackId, encoding) {
  s.client.setTargetTrackEncoding(trackId, encoding);
  log("setTargetEncoding", { trackId, encoding });
  return true;
}

window.e2e = { join, leave, state, stats, setTargetEncoding };
document.getElementById("status").textContent = "ready";
