// Creates a room (or takes the given one), adds a WebRTC peer to it and joins with the camera and
// microphone through the unmodified Jellyfish client SDK, showing every other peer's video.
// The API token is the operator's (this is an operator's tool); an application keeps it on its
// backend and hands browsers only the peer token.
import { JellyfishClient } from "@jellyfish-dev/ts-client-sdk";
import { api, element, signIn } from "./api.js";

const $ = (id) => document.getElementById(id);
let client = null;
let localStream = null;

const setStatus = (text) => {
  $("status").textContent = text;
};

function tile(id, label, stream) {
  let figure = document.querySelector(`figure[data-id="${CSS.escape(id)}"]`);
  if (!figure) {
    const video = element("video", { autoplay: true, playsInline: true, muted: true });
    figure = element("figure", { "data-id": id }, video, element("figcaption"));
    $("grid").append(figure);
  }
  figure.querySelector("video").srcObject = stream;
  figure.querySelector("figcaption").textContent = label;
}

function removeTile(id) {
  document.querySelector(`[data-id="${CSS.escape(id)}"]`)?.remove();
}

const peerName = (peer) => peer?.metadata?.name || peer?.id?.slice(0, 8) || "peer";

function leave() {
  client?.disconnect();
  client = null;
  localStream?.getTracks().forEach((track) => track.stop());
  localStream = null;
  $("grid").replaceChildren();
  $("join").disabled = false;
  $("leave").disabled = true;
}

// The room to join: the given one if it exists, else a new one (placed by the cluster).
async function ensureRoom(roomId, videoCodec) {
  if (roomId) {
    try {
      await api("GET", `/room/${encodeURIComponent(roomId)}`);
      return roomId;
    } catch (e) {
      if (e.status !== 404) throw e;
      setStatus(`Room ${roomId} does not exist; creating a new one…`);
    }
  }
  const created = await api("POST", "/room", videoCodec ? { videoCodec } : {});
  return created.data.room.id;
}

async function join() {
  $("join").disabled = true;
  const name = $("name").value.trim() || `operator-${Math.floor(Math.random() * 1000)}`;
  try {
    setStatus("Preparing the room…");
    const roomId = await ensureRoom($("room").value.trim(), $("codec").value);
    $("room").value = roomId;
    history.replaceState(null, "", `?room=${encodeURIComponent(roomId)}`);
    const peer = await api("POST", `/room/${encodeURIComponent(roomId)}/peer`, { type: "webrtc", options: {} });
    // In a cluster the peer connects to the node that holds the room.
    const host = peer.data.peer_websocket_url?.replace(/\/socket\/peer\/websocket$/, "") ?? location.host;

    setStatus("Asking for camera and microphone…");
    localStream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    tile("local", `${name} (you)`, localStream);

    client = new JellyfishClient();
    client.on("joined", (peerId, peers) => {
      setStatus(`Joined room ${roomId} as ${peerId}; ${peers.length} other peer(s) here.`);
      document.body.dataset.peerId = peerId;
      for (const track of localStream.getTracks()) client.addTrack(track, localStream, { type: track.kind });
      $("leave").disabled = false;
    });
    client.on("joinError", (reason) => setStatus(`Join refused: ${JSON.stringify(reason)}`));
    client.on("peerJoined", (p) => setStatus(`${peerName(p)} joined.`));
    client.on("peerLeft", (p) => setStatus(`${peerName(p)} left.`));
    client.on("trackReady", (ctx) => {
      if (!ctx.stream || !ctx.track) return;
      if (ctx.track.kind === "video") {
        tile(ctx.trackId, peerName(ctx.endpoint), ctx.stream);
      } else {
        const audio = element("audio", { autoplay: true, "data-id": ctx.trackId });
        audio.srcObject = ctx.stream;
        document.body.append(audio);
      }
    });
    client.on("trackRemoved", (ctx) => removeTile(ctx.trackId));
    client.on("socketClose", (event) => {
      setStatus(`Disconnected (${event.code}${event.reason ? " " + event.reason : ""}).`);
      leave();
    });
    client.connect({
      token: peer.data.token,
      peerMetadata: { name },
      signaling: { host, protocol: location.protocol === "https:" ? "wss" : "ws" },
    });
    setStatus("Connecting…");
  } catch (e) {
    setStatus(`Error: ${e.message}`);
    leave();
  }
}

async function start() {
  await signIn($("sign-in"), $("sign-in-message"));
  const params = new URLSearchParams(location.search);
  if (params.get("room")) $("room").value = params.get("room");
  $("join-form").hidden = false;
  $("join-form").addEventListener("submit", (event) => {
    event.preventDefault();
    join();
  });
  $("leave").addEventListener("click", () => {
    leave();
    setStatus("Left the room.");
  });
}

start().catch((e) => setStatus(`Error: ${e.message}`));
