// Minimal video room on top of the Jellyfish client SDK, talking to a shoal server.
//
// Development only: the page itself holds the server API token and calls the REST API
// (POST /room, POST /room/:id/peer) from the browser. A real application keeps the API token on
// its own backend, which creates peers and hands only the peer token to the browser.
import { JellyfishClient } from "@jellyfish-dev/ts-client-sdk";

const $ = (id) => document.getElementById(id);
const form = $("join-form");
const joinButton = $("join");
const leaveButton = $("leave");
const grid = $("grid");

let client = null;
let localStream = null;

function setStatus(text) {
  $("status").textContent = text;
}

function httpBase(address) {
  return /^https?:\/\//.test(address) ? address.replace(/\/+$/, "") : `http://${address}`;
}

async function api(address, token, method, path, body) {
  const response = await fetch(`${httpBase(address)}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = json?.errors?.detail ?? json?.errors ?? response.statusText;
    throw new Error(`${method} ${path}: ${response.status} ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
  }
  return json;
}

// Returns {roomId, address}: the given room if it exists, otherwise a new room. `address` is the
// node that holds the room (in a cluster POST /room answers with the chosen node).
async function ensureRoom(address, token, roomId, videoCodec) {
  if (roomId) {
    try {
      await api(address, token, "GET", `/room/${encodeURIComponent(roomId)}`);
      return { roomId, address };
    } catch (e) {
      if (!String(e.message).includes(": 404")) throw e;
      setStatus(`Room ${roomId} does not exist, creating a new one…`);
    }
  }
  const created = await api(address, token, "POST", "/room", videoCodec ? { videoCodec } : {});
  return { roomId: created.data.room.id, address: created.data.jellyfish_address || address };
}

function tile(id, label, stream, muted) {
  let figure = document.querySelector(`figure[data-id="${id}"]`);
  if (!figure) {
    figure = document.createElement("figure");
    figure.dataset.id = id;
    const video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    video.muted = muted;
    const caption = document.createElement("figcaption");
    figure.append(video, caption);
    grid.append(figure);
  }
  figure.querySelector("video").srcObject = stream;
  figure.querySelector("figcaption").textContent = label;
  return figure;
}

function removeTile(id) {
  document.querySelector(`figure[data-id="${id}"]`)?.remove();
  document.querySelector(`audio[data-id="${id}"]`)?.remove();
}

function peerName(peer) {
  return peer?.metadata?.name || peer?.id?.slice(0, 8) || "peer";
}

function leave() {
  if (client) {
    client.disconnect();
    client = null;
  }
  localStream?.getTracks().forEach((track) => track.stop());
  localStream = null;
  grid.replaceChildren();
  document.querySelectorAll("audio[data-id]").forEach((a) => a.remove());
  joinButton.disabled = false;
  leaveButton.disabled = true;
}

async function join() {
  joinButton.disabled = true;
  const address = $("server").value.trim();
  const apiToken = $("api-token").value.trim();
  const name = $("name").value.trim() || `guest-${Math.floor(Math.random() * 1000)}`;
  try {
    setStatus("Preparing the room…");
    const room = await ensureRoom(address, apiToken, $("room").value.trim(), $("codec").value);
    $("room").value = room.roomId;
    history.replaceState(null, "", `?room=${encodeURIComponent(room.roomId)}&server=${encodeURIComponent(address)}`);
    const peer = await api(room.address, apiToken, "POST", `/room/${room.roomId}/peer`, { type: "webrtc", options: {} });

    setStatus("Asking for camera and microphone…");
    localStream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    tile("local", `${name} (you)`, localStream, true);

    client = new JellyfishClient();
    client.on("joined", (peerId, peers) => {
      setStatus(`Joined room ${room.roomId} as ${peerId}. ${peers.length} other peer(s) here.`);
      for (const track of localStream.getTracks()) client.addTrack(track, localStream, { type: track.kind });
      leaveButton.disabled = false;
    });
    client.on("joinError", (reason) => setStatus(`Join failed: ${JSON.stringify(reason)}`));
    client.on("peerJoined", (p) => setStatus(`${peerName(p)} joined.`));
    client.on("peerLeft", (p) => {
      setStatus(`${peerName(p)} left.`);
      for (const trackId of p.tracks?.keys?.() ?? []) removeTile(trackId);
    });
    client.on("trackReady", (ctx) => {
      if (!ctx.stream || !ctx.track) return;
      if (ctx.track.kind === "video") {
        tile(ctx.trackId, peerName(ctx.endpoint), ctx.stream, true);
      } else {
        const audio = document.createElement("audio");
        audio.autoplay = true;
        audio.dataset.id = ctx.trackId;
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
      signaling: { host: room.address.replace(/^https?:\/\//, ""), protocol: location.protocol === "https:" ? "wss" : "ws" },
    });
    setStatus("Connecting…");
  } catch (e) {
    setStatus(`Error: ${e.message}`);
    leave();
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  join();
});
leaveButton.addEventListener("click", () => {
  leave();
  setStatus("Left the room.");
});

const params = new URLSearchParams(location.search);
if (params.get("room")) $("room").value = params.get("room");
if (params.get("server")) $("server").value = params.get("server");
