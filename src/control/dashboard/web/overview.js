// The overview: GET /cluster (nodes with their load and state, rooms with their peers and
// tracks), redrawn on every server notification and every few seconds for the load figures.
import { api, element, signIn, token } from "./api.js";
import { watchNotifications } from "./server_socket.js";

const $ = (id) => document.getElementById(id);
const refreshEveryMs = 2000;
const keptEvents = 50;

const dash = (value) => (value === null || value === undefined ? "–" : String(value));

function renderNodes(cluster) {
  const rows = cluster.nodes.map((node) =>
    element(
      "tr",
      { "data-node": node.name, class: node.self ? "self" : "" },
      element("td", {}, node.name, node.self ? element("span", { class: "muted" }, " (this node)") : null),
      element("td", {}, element("span", { class: `badge state-${node.state}` }, node.state)),
      element("td", { class: "number" }, dash(node.rooms)),
      element("td", { class: "number" }, dash(node.peers)),
      element("td", { class: "number" }, dash(node.forwardedTracks)),
      element("td", { class: "number" }, node.cpuPercent === null ? "–" : `${node.cpuPercent.toFixed(1)} %`),
      element("td", { class: "number" }, node.reportAgeMs === null ? "–" : `${node.reportAgeMs} ms`),
    ),
  );
  $("nodes").tBodies[0].replaceChildren(...rows);
  $("unreachable").textContent = cluster.unreachable_nodes.length
    ? `Rooms of ${cluster.unreachable_nodes.join(", ")} are missing: no answer.`
    : "";
}

function renderTrack(track) {
  const metadata = track.metadata === null || track.metadata === undefined ? "" : JSON.stringify(track.metadata);
  return element(
    "li",
    { class: `track ${track.type}`, "data-track": track.id, title: track.id },
    `${track.type} `,
    element("code", { class: "muted" }, track.id.split(":").pop().slice(0, 8)),
    metadata ? element("span", { class: "muted" }, ` ${metadata.length > 80 ? metadata.slice(0, 77) + "…" : metadata}`) : null,
  );
}

function renderPeer(peer) {
  const name = peer.metadata?.name;
  return element(
    "li",
    { class: "peer", "data-peer": peer.id },
    element("span", { class: `badge status-${peer.status}` }, peer.status),
    " ",
    element("code", {}, peer.id),
    name ? element("span", { class: "muted" }, ` ${name}`) : null,
    peer.tracks?.length ? element("ul", { class: "tracks" }, ...peer.tracks.map(renderTrack)) : null,
  );
}

function renderRoom(room) {
  const config = [
    room.config.videoCodec ? `video ${room.config.videoCodec}` : "any codec",
    room.config.maxPeers ? `at most ${room.config.maxPeers} peers` : "no peer limit",
  ].join(", ");
  const join = element("a", { href: `join.html?room=${encodeURIComponent(room.id)}` }, "join");
  return element(
    "article",
    { class: "room", "data-room": room.id },
    element(
      "h3",
      {},
      element("code", {}, room.id),
      element("span", { class: "muted" }, ` on ${room.node} · ${config} · `),
      join,
    ),
    room.components.length
      ? element("p", { class: "components" }, "Components: ", room.components.map((c) => `${c.type} ${c.id}`).join(", "))
      : null,
    room.peers.length
      ? element("ul", { class: "peers" }, ...room.peers.map(renderPeer))
      : element("p", { class: "muted" }, "No peers."),
  );
}

function render(cluster) {
  $("node-name").textContent = cluster.node;
  renderNodes(cluster);
  const rooms = [...cluster.rooms].sort((a, b) => a.id.localeCompare(b.id));
  $("room-count").textContent = `(${rooms.length})`;
  $("rooms").replaceChildren(...(rooms.length ? rooms.map(renderRoom) : [element("p", { class: "muted" }, "No rooms.")]));
  document.body.dataset.rendered = String(Number(document.body.dataset.rendered ?? 0) + 1);
}

function describe(event) {
  const subject = event.peerId ? ` peer ${event.peerId}` : event.componentId ? ` component ${event.componentId}` : "";
  return `${event.type}: room ${event.roomId}${subject}`;
}

let refreshing = null;
let again = false;
async function refresh() {
  // One request at a time; a notification during one asks for one more after it.
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      again = false;
      try {
        render((await api("GET", "/cluster")).data);
        $("error").textContent = "";
      } catch (e) {
        $("error").textContent = e.message;
        if (e.status === 401) {
          token.clear();
          location.reload();
        }
      }
    } while (again);
    refreshing = null;
  })();
  return refreshing;
}

async function start() {
  const cluster = await signIn($("sign-in"), $("sign-in-message"));
  $("content").hidden = false;
  render(cluster);
  watchNotifications(
    token.get(),
    (event) => {
      const item = element("li", { "data-type": event.type }, element("time", {}, new Date().toLocaleTimeString()), " ", describe(event));
      $("events").prepend(item);
      while ($("events").children.length > keptEvents) $("events").lastElementChild.remove();
      refresh();
    },
    (state) => {
      $("live").textContent = state === "live" ? "live" : state;
      $("live").className = `badge ${state === "live" ? "state-serving" : "state-unknown"}`;
    },
  );
  setInterval(refresh, refreshEveryMs);
}

start().catch((e) => {
  $("error").textContent = e.message;
});
