// The server WebSocket (/socket/server/websocket) as server SDKs use it: AuthRequest with the
// API token, SubscribeRequest for server notifications, then ServerMessage frames. The few
// messages involved are encoded and decoded here by hand (protobuf wire format, proto3).
const notificationFields = {
  1: "RoomCrashed",
  2: "PeerConnected",
  3: "PeerDisconnected",
  4: "PeerCrashed",
  5: "ComponentCrashed",
  6: "Authenticated",
  9: "SubscribeResponse",
  10: "RoomCreated",
  11: "RoomDeleted",
  12: "MetricsReport",
  13: "HlsPlayable",
};
const SERVER_NOTIFICATION = 1;

function varint(value) {
  const bytes = [];
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return bytes;
}

function lengthDelimited(field, bytes) {
  return [(field << 3) | 2, ...varint(bytes.length), ...bytes];
}

// Reads fields of one message: [{field, wire, value}] (value: number or Uint8Array); null when
// the bytes are not a well-formed message.
function readFields(bytes) {
  const fields = [];
  let at = 0;
  const readVarint = () => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (at >= bytes.length) return null;
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    return null;
  };
  while (at < bytes.length) {
    const key = readVarint();
    if (key === null) return null;
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      const value = readVarint();
      if (value === null) return null;
      fields.push({ field, wire, value });
    } else if (wire === 2) {
      const length = readVarint();
      if (length === null || at + length > bytes.length) return null;
      fields.push({ field, wire, value: bytes.subarray(at, at + length) });
      at += length;
    } else {
      return null;
    }
  }
  return fields;
}

const text = new TextDecoder();
const encoder = new TextEncoder();

// {type, roomId, peerId, componentId} of a ServerMessage, or null.
export function decodeServerMessage(bytes) {
  const outer = readFields(bytes);
  const content = outer?.find((f) => f.wire === 2 && notificationFields[f.field]);
  if (!content) return null;
  const inner = readFields(content.value) ?? [];
  const string = (n) => {
    const f = inner.find((x) => x.field === n && x.wire === 2);
    return f ? text.decode(f.value) : undefined;
  };
  const type = notificationFields[content.field];
  const message = { type };
  if (type === "MetricsReport") return message;
  if (type !== "Authenticated" && type !== "SubscribeResponse") message.roomId = string(1);
  if (["PeerConnected", "PeerDisconnected", "PeerCrashed"].includes(type)) message.peerId = string(2);
  if (["ComponentCrashed", "HlsPlayable"].includes(type)) message.componentId = string(2);
  return message;
}

export const encodeAuthRequest = (apiToken) =>
  new Uint8Array(lengthDelimited(7, lengthDelimited(1, [...encoder.encode(apiToken)])));
export const encodeSubscribeNotifications = () =>
  new Uint8Array(lengthDelimited(8, [(1 << 3) | 0, SERVER_NOTIFICATION]));

// Connects, authenticates and subscribes; calls onEvent(message) for each notification and
// onState("live" | "connecting" | "closed: <reason>"). Reconnects after a drop, at most once a
// few seconds.
export function watchNotifications(apiToken, onEvent, onState) {
  let stopped = false;
  let socket = null;
  const open = () => {
    onState("connecting");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/socket/server/websocket`);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => socket.send(encodeAuthRequest(apiToken));
    socket.onmessage = (event) => {
      if (!(event.data instanceof ArrayBuffer)) return;
      const message = decodeServerMessage(new Uint8Array(event.data));
      if (!message) return;
      if (message.type === "Authenticated") socket.send(encodeSubscribeNotifications());
      else if (message.type === "SubscribeResponse") onState("live");
      else onEvent(message);
    };
    socket.onclose = (event) => {
      onState(`closed: ${event.code}${event.reason ? " " + event.reason : ""}`);
      if (!stopped) setTimeout(open, 3000);
    };
  };
  open();
  return () => {
    stopped = true;
    socket?.close();
  };
}
