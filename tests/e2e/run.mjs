#!/usr/bin/env node
// Browser end-to-end test runner: the real @jellyfish-dev/ts-client-sdk in headless Chromium
// against build/shoal, everything on loopback (media-simulcast-low-bandwidth adds a network
// namespace behind a shaped veth link).
//
//   node tests/e2e/run.mjs <scenario> [--shoal PATH] [--chromium PATH] [--verbose]
//
// Scenarios: dashboard, signaling, media-two-peers, media-late-joiner, media-peer-leaves, media-rest-delete,
// media-h264, media-simulcast, media-tcp-turn, media-simulcast-low-bandwidth (`--list` prints
// them). Exit codes: 0 PASS, 1 FAIL, 77 SKIP (Chromium not installable on this machine; for
// media-simulcast-low-bandwidth also: not root, or no network namespaces / tc tbf). Every process
// started here (shoal, Chromium) and the network namespace are stopped or removed on every path:
// normal end, failure, the overall deadline (90 s, 160 s for media-simulcast-low-bandwidth,
// E2E_TIMEOUT_MS overrides), SIGINT/SIGTERM and uncaught errors.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import net from "node:net";
import dgram from "node:dgram";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { dashboardScenario } from "./dashboard.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "../..");
// Overall deadline per run; scenarios that need longer are listed in scenarioTimeoutMs.
const DEFAULT_TIMEOUT_MS = 90_000;
const SKIP = 77;
const API_TOKEN = "e2e-api-token";
const CHROMIUM_FLAGS = [
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--allow-loopback-in-peer-connection",
  "--autoplay-policy=no-user-gesture-required",
  "--disable-dev-shm-usage",
];

// ---------------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const opts = { scenario: null, shoal: process.env.SHOAL_BINARY ?? null, chromium: process.env.CHROMIUM ?? "/usr/bin/chromium", verbose: !!process.env.E2E_VERBOSE };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--shoal") opts.shoal = argv[++i];
    else if (a === "--chromium") opts.chromium = argv[++i];
    else if (a === "--verbose" || a === "-v") opts.verbose = true;
    else if (a === "--list") opts.list = true;
    else if (!opts.scenario) opts.scenario = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  opts.shoal = path.resolve(opts.shoal ?? path.join(REPO, "build/shoal"));
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Logging and failure

const t0 = Date.now();
const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`;
const info = (...a) => console.log(stamp(), ...a);

class TestFailure extends Error {
  constructor(message, evidence) {
    super(message);
    this.evidence = evidence;
  }
}
class Skip extends Error {}
const fail = (message, evidence) => {
  throw new TestFailure(message, evidence);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls `check` (async, returns a truthy value when done) every 200 ms for at most `timeoutMs`.
async function waitFor(description, timeoutMs, check, evidence) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() >= deadline) {
      fail(`${description} (not within ${timeoutMs / 1000} s)`, evidence ? await evidence() : undefined);
    }
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------
// Resources and teardown

// `shoal` is the scenario's main node; `shoals` every node started (the dashboard's cluster has two).
const resources = { shoal: null, shoals: [], helpers: [], browsers: [], staticServer: null, netns: null, tmp: null };
const shoalLog = [];

function killShoalNow() {
  for (const child of [...resources.shoals, ...resources.helpers]) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill("SIGKILL");
      } catch {
        /* gone */
      }
    }
  }
}

let tornDown = false;
let interrupted = false; // a signal or the overall deadline is already tearing down
async function teardown() {
  if (tornDown) return;
  tornDown = true;
  const withTimeout = (p, ms) => Promise.race([p.catch(() => {}), sleep(ms)]);
  await Promise.all(resources.browsers.map((browser) => withTimeout(browser.close(), 5000)));
  if (resources.staticServer) {
    resources.staticServer.closeAllConnections?.();
    await withTimeout(new Promise((r) => resources.staticServer.close(r)), 2000);
  }
  const running = [...resources.shoals, ...resources.helpers].filter((child) => child.exitCode === null && child.signalCode === null);
  for (const child of running) child.kill("SIGTERM");
  await Promise.all(running.map((child) => withTimeout(new Promise((r) => child.once("exit", r)), 3000)));
  killShoalNow();
  removeNetns();
  if (resources.tmp) rmSync(resources.tmp, { recursive: true, force: true });
}

// Synchronous last resort; playwright registers its own exit handler that kills Chromium.
process.on("exit", () => {
  killShoalNow();
  removeNetns();
  if (resources.tmp) rmSync(resources.tmp, { recursive: true, force: true });
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.log(`${stamp()} FAIL: interrupted by ${signal}`);
    teardown().finally(() => process.exit(1));
  });
}

// ---------------------------------------------------------------------------------------------
// Ports

function freeTcpPort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function udpPortFree(port) {
  return new Promise((resolve) => {
    const socket = dgram.createSocket("udp4");
    socket.once("error", () => resolve(false));
    socket.bind(port, "127.0.0.1", () => socket.close(() => resolve(true)));
  });
}

// A TURN port range of 100 ports below the Linux ephemeral range (32768+), picked at random per
// run so that CTest running several e2e tests (or several checkouts) at once does not collide.
// shoal binds per-peer TURN sockets in the lower half; the upper half is only advertised.
async function pickTurnPortRange() {
  for (let attempt = 0; attempt < 30; attempt++) {
    const block = Math.floor(Math.random() * 120); // 20000 .. 31999
    const from = 20000 + block * 100;
    const to = from + 99;
    let ok = true;
    for (let p = from; p <= from + 50 && ok; p += 5) ok = await udpPortFree(p);
    if (ok) return `${from}-${to}`;
  }
  return "20000-31999";
}

// ---------------------------------------------------------------------------------------------
// shoal

// `name` prefixes the node's lines in the output kept for failures (when several run).
async function startShoal(binary, extraEnv = {}, name = "") {
  if (!existsSync(binary)) fail(`shoal binary not found at ${binary} (build it, or pass --shoal PATH)`);
  const port = extraEnv.JF_PORT ? Number(extraEnv.JF_PORT) : await freeTcpPort();
  let metricsPort = await freeTcpPort();
  while (metricsPort === port) metricsPort = await freeTcpPort();
  const turnRange = await pickTurnPortRange();
  // JF_IP from the scenario (media-simulcast-low-bandwidth: the veth address) is also where the
  // clients connect: JF_HOST follows it, so the WebSocket origin check (host of JF_HOST) matches
  // pages served from that address.
  const ip = extraEnv.JF_IP ?? "127.0.0.1";
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    LANG: process.env.LANG ?? "C.UTF-8",
    JF_SERVER_API_TOKEN: API_TOKEN,
    JF_IP: ip,
    JF_PORT: String(port),
    JF_HOST: `${ip}:${port}`,
    JF_METRICS_IP: "127.0.0.1",
    JF_METRICS_PORT: String(metricsPort),
    JF_WEBRTC_TURN_IP: "127.0.0.1",
    JF_WEBRTC_TURN_LISTEN_IP: "127.0.0.1",
    JF_WEBRTC_TURN_PORT_RANGE: turnRange,
    JF_OUTPUT_BASE_PATH: path.join(resources.tmp, "output"),
    ...extraEnv,
  };
  info(`starting ${binary} on ${ip}:${port} (metrics ${metricsPort}, TURN ${env.JF_WEBRTC_TURN_LISTEN_IP} ports ${turnRange})`);
  const child = spawn(binary, [], { env, cwd: resources.tmp, stdio: ["ignore", "pipe", "pipe"] });
  resources.shoal ??= child;
  resources.shoals.push(child);
  const collect = (stream) => {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop();
      for (const line of lines) {
        shoalLog.push(name ? `${name}: ${line}` : line);
        if (shoalLog.length > 400) shoalLog.shift();
      }
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  let spawnError = null;
  child.once("error", (e) => (spawnError = e));

  const base = `http://${ip}:${port}`;
  await waitFor("shoal answers GET /health", 10_000, async () => {
    if (spawnError) fail(`cannot start shoal: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      fail(`shoal exited during start-up (${child.exitCode ?? child.signalCode})`);
    }
    try {
      const r = await fetch(`${base}/health`, { headers: { authorization: `Bearer ${API_TOKEN}` }, signal: AbortSignal.timeout(1000) });
      return r.ok;
    } catch {
      return false;
    }
  });
  return { port, base, host: `${ip}:${port}` };
}

async function rest(server, method, target, body) {
  const r = await fetch(`${server.base}${target}`, {
    method,
    headers: { authorization: `Bearer ${API_TOKEN}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not json */
  }
  return { status: r.status, json, text };
}

async function createRoom(server, config = {}) {
  const r = await rest(server, "POST", "/room", config);
  if (r.status !== 201) fail(`POST /room ${JSON.stringify(config)} -> ${r.status} ${r.text}`);
  return r.json.data.room.id;
}

async function createPeer(server, roomId) {
  const r = await rest(server, "POST", `/room/${roomId}/peer`, { type: "webrtc", options: {} });
  if (r.status !== 201) fail(`POST /room/${roomId}/peer -> ${r.status} ${r.text}`);
  return { id: r.json.data.peer.id, token: r.json.data.token };
}

// ---------------------------------------------------------------------------------------------
// Test page: bundle with esbuild, serve from a loopback static server

async function buildPage() {
  let esbuild;
  try {
    esbuild = await import("esbuild");
  } catch (e) {
    fail(`esbuild is not installed: run tests/e2e/setup.sh (npm ci in tests/e2e): ${e.message}`);
  }
  const outdir = path.join(resources.tmp, "page");
  await esbuild.build({
    entryPoints: [path.join(HERE, "page/main.js")],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2020",
    outfile: path.join(outdir, "bundle.js"),
    sourcemap: "inline",
    logLevel: "silent",
    absWorkingDir: HERE,
  });
  writeFileSync(path.join(outdir, "index.html"), readFileSync(path.join(HERE, "page/index.html")));
  return outdir;
}

function startStaticServer(dir, host = "127.0.0.1") {
  const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8" };
  const server = createServer((req, res) => {
    const name = new URL(req.url, "http://x").pathname.replace(/^\/+/, "") || "index.html";
    if (!/^[a-z0-9._-]+$/i.test(name) || !existsSync(path.join(dir, name))) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": types[path.extname(name)] ?? "application/octet-stream", "cache-control": "no-store" });
    res.end(readFileSync(path.join(dir, name)));
  });
  resources.staticServer = server;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve(`http://${host}:${server.address().port}/`));
  });
}

// ---------------------------------------------------------------------------------------------
// Chromium

function chromiumInstallable() {
  const r = spawnSync("apt-cache", ["policy", "chromium"], { encoding: "utf8" });
  if (r.status !== 0) return false;
  const candidate = /Candidate:\s*(\S+)/.exec(r.stdout);
  return !!candidate && candidate[1] !== "(none)";
}

// Pages not served from 127.0.0.1 are no secure context: without this flag getUserMedia (and
// navigator.mediaDevices) would be missing there.
function pageOriginArgs(pageUrl) {
  const url = new URL(pageUrl);
  return url.hostname === "127.0.0.1" ? [] : [`--unsafely-treat-insecure-origin-as-secure=${url.origin}`];
}

// `netns`: start this Chromium inside that network namespace, through a wrapper script that
// playwright runs as the executable (`ip netns exec <ns> chromium "$@"` execs in place, so the
// DevTools pipe on fds 3/4 and the process group stay the same).
async function launchChromium(executable, { args = [], netns = null } = {}) {
  if (!existsSync(executable)) {
    if (chromiumInstallable()) {
      fail(`Chromium is not installed at ${executable} but the apt package "chromium" is available: run scripts/install-deps.sh --test`);
    }
    throw new Skip(`Chromium is not installed at ${executable} and the apt package "chromium" is not installable here`);
  }
  let chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch (e) {
    fail(`playwright-core is not installed: run tests/e2e/setup.sh (npm ci in tests/e2e): ${e.message}`);
  }
  let executablePath = executable;
  if (netns) {
    executablePath = path.join(resources.tmp, `chromium-in-${netns.name}.sh`);
    const quoted = `'${executable.replaceAll("'", "'\\''")}'`;
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec ${netns.name} ${quoted} "$@"\n`, { mode: 0o755 });
  }
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...args],
    timeout: 20_000,
    // Signals are handled here (teardown closes the browser, then exits).
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  resources.browsers.push(browser);
  info(`launched ${executable} ${browser.version()}${netns ? ` in network namespace ${netns.name}` : ""}`);
  return browser;
}

// ---------------------------------------------------------------------------------------------
// Network namespace behind a shaped link (media-simulcast-low-bandwidth)
//
// A namespace joined to the host by a veth pair on a private /30 in 10.213.0.0/16, lo up, no
// other route. tc on the host-side end shapes what the host sends into the namespace (shoal's
// media and signaling toward a browser in it). shoal, its TURN sockets and the page server listen
// on the host-side address; nothing else carries traffic.

const SHAPED_KBIT = 250;
// tbf: 250 kbit/s (A's m layer of noise needs about 350), a 2 kB bucket (above one full-size
// packet, so packets are not dropped for their size), and up to 1 s of queue (about 31 kB)
// before tail drop, like a modest access link: a sender above the rate sees the delay grow
// first, then losses. (With a much shallower queue a keyframe of noise alone overflows it.)
const SHAPE_ARGS = (kbit) => ["tbf", "rate", `${kbit}kbit`, "burst", "16kbit", "latency", "1000ms"];
const LIFTED_ARGS = ["tbf", "rate", "20mbit", "burst", "64kbit", "latency", "300ms"];

function runIp(tool, args, { check = true } = {}) {
  const r = spawnSync(tool, args, { encoding: "utf8", timeout: 10_000 });
  const ok = !r.error && r.status === 0;
  const why = ok ? "" : `${r.error?.message ?? `exit ${r.status}`}: ${(r.stderr ?? "").trim()}`;
  if (opts.verbose) info(`$ ${tool} ${args.join(" ")}${ok ? "" : ` -> ${why}`}`);
  if (!ok && check) fail(`${tool} ${args.join(" ")} -> ${why}`);
  return { ok, why, stdout: r.stdout ?? "" };
}

// A free /30: no address of this host in it and no route to it except the default one.
function pickVethSubnet() {
  for (let attempt = 0; attempt < 20; attempt++) {
    const n = attempt === 0 ? process.pid % 16384 : Math.floor(Math.random() * 16384);
    const prefix = `10.213.${n >> 6}`;
    const base = (n & 63) * 4;
    const net = `${prefix}.${base}/30`;
    const addrs = runIp("ip", ["-4", "-o", "addr", "show", "to", net], { check: false }).stdout.trim();
    const routes = runIp("ip", ["-4", "route", "show", "match", net], { check: false }).stdout
      .split("\n").filter((l) => l.trim() && !l.startsWith("default"));
    const inside = runIp("ip", ["-4", "route", "show", "root", net], { check: false }).stdout.trim();
    if (!addrs && !routes.length && !inside) return { hostIp: `${prefix}.${base + 1}`, nsIp: `${prefix}.${base + 2}` };
  }
  throw new Skip("no free /30 in 10.213.0.0/16 for the veth link");
}

function createShapedNetns() {
  if (process.getuid?.() !== 0) throw new Skip("needs root: it creates a network namespace, a veth pair and a tc qdisc");
  for (const tool of ["ip", "tc"]) {
    if (spawnSync(tool, ["-V"]).error) throw new Skip(`${tool} (iproute2) is not installed`);
  }
  const name = `shoalbw${process.pid}`;
  const { hostIp, nsIp } = pickVethSubnet();
  const added = runIp("ip", ["netns", "add", name], { check: false });
  if (!added.ok) throw new Skip(`cannot create a network namespace (ip netns add ${name}: ${added.why})`);
  // From here on teardown (and the exit handler) deletes the namespace, which deletes the veth.
  const ns = { name, hostVeth: `sbw${process.pid}h`, nsVeth: `sbw${process.pid}n`, hostIp, nsIp };
  resources.netns = ns;
  runIp("ip", ["link", "add", ns.hostVeth, "type", "veth", "peer", "name", ns.nsVeth, "netns", name]);
  runIp("ip", ["addr", "add", `${hostIp}/30`, "dev", ns.hostVeth]);
  runIp("ip", ["link", "set", ns.hostVeth, "up"]);
  runIp("ip", ["-n", name, "addr", "add", `${nsIp}/30`, "dev", ns.nsVeth]);
  runIp("ip", ["-n", name, "link", "set", ns.nsVeth, "up"]);
  runIp("ip", ["-n", name, "link", "set", "lo", "up"]);
  // tbf must be available before anything else starts (the shaping itself comes later, once the
  // pages are loaded: the 730 kB test bundle would take some 24 s through 250 kbit/s).
  const probe = runIp("tc", ["qdisc", "add", "dev", ns.hostVeth, "root", ...SHAPE_ARGS(SHAPED_KBIT)], { check: false });
  if (!probe.ok) throw new Skip(`cannot shape the veth link with tc tbf (${probe.why})`);
  runIp("tc", ["qdisc", "del", "dev", ns.hostVeth, "root"]);
  info(`network namespace ${name}: ${ns.hostVeth} ${hostIp}/30 (host) <-> ${ns.nsVeth} ${nsIp}/30 (namespace)`);
  return ns;
}

function shapeLink(ns, args) {
  runIp("tc", ["qdisc", "replace", "dev", ns.hostVeth, "root", ...args]);
}

function qdiscStats(ns) {
  return runIp("tc", ["-s", "qdisc", "show", "dev", ns.hostVeth], { check: false }).stdout.trim().split("\n").map((l) => l.trim());
}

// Synchronous, so the exit handler can use it too. Deleting the namespace deletes the veth pair
// once no process is left in it; the explicit link delete covers a Chromium still dying there.
function removeNetns() {
  const ns = resources.netns;
  if (!ns) return;
  resources.netns = null;
  spawnSync("ip", ["netns", "del", ns.name], { timeout: 10_000 });
  spawnSync("ip", ["link", "del", ns.hostVeth], { timeout: 10_000, stdio: "ignore" });
}

// Samples a subscriber's inbound-rtp for one track and the bandwidthEstimation events it got; every
// `everyMs` logs the received bitrate, decoded frames, picture size and current layer, with the
// estimates received since the previous line (times on the runner's clock).
class ReceiveMonitor {
  constructor(peer, trackId, everyMs = 3000) {
    this.peer = peer;
    this.trackId = trackId;
    this.everyMs = everyMs;
    this.last = null; // {at, bytes, frames}
    this.first = null;
    this.samples = []; // logged lines, for the evidence
    this.lastEstimateT = -1;
  }

  async poll(st, force = false) {
    const at = Date.now();
    if (!force && this.last && at - this.last.at < this.everyMs) return;
    const r = inboundByTrack(await this.peer.stats())[this.trackId];
    if (!r) return;
    const cur = { at, bytes: r.bytesReceived, frames: r.framesDecoded ?? 0 };
    this.first ??= cur;
    const prev = this.last;
    this.last = cur;
    const layer = st.encodingChanges.filter((c) => c.trackId === this.trackId).at(-1)?.encoding ?? "?";
    const fresh = st.bandwidthEstimations.filter((e) => e.t > this.lastEstimateT);
    if (fresh.length) this.lastEstimateT = fresh.at(-1).t;
    const clock = (pageT) => `${((at - t0 - (st.t - pageT)) / 1000).toFixed(1)}s`;
    const kbit = (e) => `${(e.estimation / 1000).toFixed(0)}k`;
    const list = fresh.length > 8 ? [...fresh.slice(0, 3), { skipped: fresh.length - 6 }, ...fresh.slice(-3)] : fresh;
    const estimates = fresh.length
      ? `; bandwidthEstimation ${list.map((e) => (e.skipped ? `(${e.skipped} more)` : `${clock(e.t)} ${kbit(e)}`)).join(", ")}`
      : "";
    if (!prev) {
      const line = `receiving A's video: bytes ${cur.bytes}, framesDecoded ${cur.frames}, layer ${layer}${estimates}`;
      this.samples.push(`${stamp()} ${line}`);
      info(`${this.peer.name}: ${line}`);
      return;
    }
    const secs = (cur.at - prev.at) / 1000;
    const line = `${(((cur.bytes - prev.bytes) * 8) / secs / 1000).toFixed(0)} kbit/s received, +${cur.frames - prev.frames} frames in ${secs.toFixed(1)} s, ${r.frameWidth ?? "?"}x${r.frameHeight ?? "?"}, layer ${layer}, lost ${r.packetsLost}, nack ${r.nackCount}, pli ${r.pliCount}${estimates}`;
    this.samples.push(`${stamp()} ${line}`);
    info(`${this.peer.name}: ${line}`);
  }

  framesSinceStart() {
    return this.first && this.last ? this.last.frames - this.first.frames : 0;
  }

  // Every estimate so far as "runner time: kbit/s".
  static trajectory(st) {
    const now = Date.now() - t0;
    return st.bandwidthEstimations.map((e) => `${((now - (st.t - e.t)) / 1000).toFixed(1)}s ${(e.estimation / 1000).toFixed(0)}k`);
  }
}

// ---------------------------------------------------------------------------------------------
// Peers (one browser context + page each)

class Peer {
  constructor(name, server, roomId, created) {
    this.name = name;
    this.server = server;
    this.roomId = roomId;
    this.id = created.id;
    this.token = created.token;
    this.console = [];
    this.localTrackIds = [];
  }

  async open(browser, pageUrl, initScript = null) {
    this.context = await browser.newContext();
    if (initScript) await this.context.addInitScript(initScript);
    this.page = await this.context.newPage();
    this.page.setDefaultTimeout(15_000);
    this.page.on("console", (m) => {
      const line = `${m.type()}: ${m.text()}`;
      this.console.push(line);
      if (this.console.length > 80) this.console.shift();
      if (opts.verbose) info(`[${this.name} console] ${line}`);
    });
    this.page.on("pageerror", (e) => this.console.push(`pageerror: ${e.message}`));
    await this.page.goto(pageUrl, { timeout: 15_000 });
    await this.page.waitForFunction(() => !!window.e2e, null, { timeout: 10_000 });
  }

  async join({ publishVideo = false, publishAudio = false, simulcast = false } = {}) {
    info(`${this.name} (${this.id}) joins${publishVideo || publishAudio ? ` publishing ${[publishVideo && (simulcast ? "camera (simulcast l/m/h)" : "camera"), publishAudio && "microphone"].filter(Boolean).join("+")}` : ""}`);
    const args = { url: this.server.host, token: this.token, publishVideo, publishAudio, simulcast, metadata: { name: this.name } };
    try {
      await withDeadline(this.page.evaluate((a) => window.e2e.join(a), args), 15_000, `${this.name} join`);
    } catch (e) {
      fail(`${this.name} could not join: ${e.message}`, await this.evidence());
    }
    const st = await this.state();
    this.localTrackIds = st.localTracks.map((t) => t.trackId);
    return st;
  }

  async leave() {
    info(`${this.name} leaves (client.disconnect())`);
    await withDeadline(this.page.evaluate(() => window.e2e.leave()), 5000, `${this.name} leave`);
  }

  state() {
    return withDeadline(this.page.evaluate(() => window.e2e.state()), 5000, `${this.name} state()`);
  }

  stats() {
    return withDeadline(this.page.evaluate(() => window.e2e.stats()), 5000, `${this.name} stats()`);
  }

  async evidence() {
    let st = null;
    let stats = null;
    try {
      st = await this.state();
      stats = await this.stats();
    } catch (e) {
      return { [this.name]: `page unavailable: ${e.message}` };
    }
    return {
      [this.name]: {
        peerId: this.id,
        joined: st.joined,
        socket: st.socket,
        events: st.events.map((e) => `${e.t}ms ${e.name}${e.detail ? " " + JSON.stringify(e.detail) : ""}`),
        mediaEventsIn: st.mediaIn.map((e) => `${e.t}ms ${e.type}`),
        mediaEventsOut: st.mediaOut.map((e) => `${e.t}ms ${e.type}`),
        mediaErrors: st.mediaErrors,
        encodingChanges: st.encodingChanges,
        bandwidthEstimations: st.bandwidthEstimations.slice(-30).map((e) => `${e.t}ms ${e.estimation}`),
        pageErrors: st.consoleErrors,
        midToTrackId: st.midToTrackId,
        peerConnections: stats,
        console: this.console.slice(-20),
      },
    };
  }
}

function withDeadline(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function evidenceOf(peers) {
  const all = {};
  for (const p of peers) Object.assign(all, await p.evidence());
  return all;
}

// ---------------------------------------------------------------------------------------------
// Media checks

const countType = (list, type) => list.filter((e) => e.type === type).length;

// Waits, stage by stage, until `peer` receives the tracks of `owners` (and its own tracks are
// negotiated), so a failure names the first missing step instead of a generic timeout.
async function waitMediaUp(peer, owners, everyone) {
  const expected = owners.flatMap((o) => o.localTrackIds);
  const ev = () => evidenceOf(everyone);
  const needsNegotiation = expected.length > 0 || peer.localTrackIds.length > 0;
  if (!needsNegotiation) return;

  await waitFor(`${peer.name}: no offerData from the server`, 10_000, async () => countType((await peer.state()).mediaIn, "offerData") > 0, ev);
  await waitFor(`${peer.name}: no sdpOffer sent after offerData`, 5_000, async () => countType((await peer.state()).mediaOut, "sdpOffer") > 0, ev);
  await waitFor(`${peer.name}: no sdpAnswer from the server after sdpOffer`, 10_000, async () => countType((await peer.state()).mediaIn, "sdpAnswer") > 0, ev);
  await waitFor(`${peer.name}: no ICE candidate from the server`, 10_000, async () => countType((await peer.state()).mediaIn, "candidate") > 0, ev);
  await waitFor(`${peer.name}: ICE/DTLS did not connect (RTCPeerConnection.connectionState != "connected")`, 15_000, async () => {
    const st = await peer.state();
    return st.peerConnections.some((pc) => pc.connectionState === "connected");
  }, ev);
  if (expected.length) {
    await waitFor(`${peer.name}: remote tracks not ready (expected ${expected.join(", ")})`, 15_000, async () => {
      const st = await peer.state();
      return expected.every((id) => st.remoteTracks[id]?.ready != null && st.remoteTracks[id]?.removed == null);
    }, ev);
  }
  const st = await peer.state();
  info(`${peer.name}: connected; remote tracks ready: ${expected.map((id) => `${st.remoteTracks[id].kind}(${st.remoteTracks[id].owner})`).join(", ") || "none expected"}`);
}

function inboundByTrack(stats) {
  const map = {};
  for (const pc of stats) for (const r of pc.inbound) if (r.trackId) map[r.trackId] = r;
  return map;
}

// Samples getStats twice `ms` apart and requires every expected remote track to progress:
// video framesDecoded and audio totalSamplesReceived (and bytes) growing.
async function checkMediaFlowing(peer, owners, expectVideoCodec, ms = 3000) {
  const expected = owners.flatMap((o) => o.localTrackIds);
  const st = await peer.state();
  const before = inboundByTrack(await peer.stats());
  await sleep(ms);
  const afterStats = await peer.stats();
  const after = inboundByTrack(afterStats);
  const problems = [];
  const lines = [];
  for (const id of expected) {
    const kind = st.remoteTracks[id]?.kind;
    const a = before[id];
    const b = after[id];
    if (!b) {
      problems.push(`${id}: no inbound-rtp stats for this track (mid not mapped)`);
      continue;
    }
    if (kind === "video") {
      const d = (b.framesDecoded ?? 0) - (a?.framesDecoded ?? 0);
      lines.push(`video ${id}: ${b.codec} ${b.frameWidth}x${b.frameHeight} framesDecoded ${a?.framesDecoded ?? 0} -> ${b.framesDecoded} (+${d} in ${ms / 1000} s), bytes ${b.bytesReceived}`);
      if (d < 5) problems.push(`${id}: video framesDecoded grew by only ${d}`);
      if (expectVideoCodec && b.codec && b.codec.toLowerCase() !== expectVideoCodec.toLowerCase()) {
        problems.push(`${id}: video codec ${b.codec}, expected ${expectVideoCodec}`);
      }
    } else {
      const d = (b.totalSamplesReceived ?? 0) - (a?.totalSamplesReceived ?? 0);
      const db = (b.bytesReceived ?? 0) - (a?.bytesReceived ?? 0);
      lines.push(`audio ${id}: ${b.codec} totalSamplesReceived ${a?.totalSamplesReceived ?? 0} -> ${b.totalSamplesReceived} (+${d}), bytesReceived +${db}`);
      if (d <= 0 || db <= 0) problems.push(`${id}: audio not flowing (samples +${d}, bytes +${db})`);
    }
  }
  for (const l of lines) info(`${peer.name}: ${l}`);
  if (problems.length) fail(`${peer.name}: media not flowing: ${problems.join("; ")}`, { stats: afterStats, ...(await peer.evidence()) });
}

// A live H264 RTSP source (GStreamer's RTSP server, the one the integration tests use): 320x240
// test pattern whose SPS/PPS are announced in the SDP only. Resolves once it listens.
async function startRtspSource() {
  const port = await freeTcpPort();
  const script = path.join(HERE, "..", "integration", "rtsp_test_source.py");
  // Debian's interpreter, which has the GObject bindings (not whatever python3 comes first in PATH).
  const child = spawn("/usr/bin/python3", [script, String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  resources.helpers.push(child);
  const lines = [];
  let ready = false;
  const onData = (chunk) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) {
      lines.push(line);
      if (line === "READY") ready = true;
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  await waitFor("the RTSP source listens", 10_000, async () => ready || child.exitCode !== null);
  if (!ready) fail(`the RTSP source did not start: ${lines.join(" | ")}`);
  return { uri: `rtsp://127.0.0.1:${port}/stream`, requests: (name) => lines.filter((l) => l === name).length };
}

async function freeUdpPort() {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 40000 + Math.floor(Math.random() * 10000);
    if ((await udpPortFree(port)) && (await udpPortFree(port + 1))) return port;
  }
  fail("no free UDP port pair for the RTSP component");
}

// ---------------------------------------------------------------------------------------------
// Scenarios

async function setup(ctx, roomConfig, names) {
  const roomId = await createRoom(ctx.server, roomConfig);
  info(`room ${roomId} ${JSON.stringify(roomConfig)}`);
  const peers = [];
  for (const name of names) {
    const peer = new Peer(name, ctx.server, roomId, await createPeer(ctx.server, roomId));
    await peer.open(ctx.browserFor?.[name] ?? ctx.browser, ctx.pageUrl, ctx.pageInitScript);
    peers.push(peer);
  }
  ctx.peers.push(...peers);
  return { roomId, peers };
}

async function publishPair(ctx, roomConfig, extraNames = []) {
  const { roomId, peers } = await setup(ctx, roomConfig, ["A", "B", ...extraNames]);
  const [a, b] = peers;
  await a.join({ publishVideo: true, publishAudio: true });
  await b.join({ publishVideo: true, publishAudio: true });
  info(`A tracks ${a.localTrackIds.join(", ")}; B tracks ${b.localTrackIds.join(", ")}`);
  await waitMediaUp(a, [b], peers);
  await waitMediaUp(b, [a], peers);
  return { roomId, peers, a, b };
}

async function expectTracksRemovedAndPeerLeft(observer, gone, everyone) {
  await waitFor(`${observer.name}: trackRemoved for both tracks of ${gone.name} and peerLeft(${gone.name})`, 10_000, async () => {
    const st = await observer.state();
    const removed = gone.localTrackIds.every((id) => st.events.some((e) => e.name === "trackRemoved" && e.detail?.trackId === id));
    return removed && st.peerLeft.includes(gone.id);
  }, () => evidenceOf(everyone));
  const st = await observer.state();
  const evs = st.events.filter((e) => ["trackRemoved", "peerLeft"].includes(e.name)).map((e) => `${e.name} ${e.detail?.trackId ?? e.detail?.id}`);
  info(`${observer.name} saw: ${evs.join(", ")}`);
}

async function expectSessionEnded(peer, everyone) {
  const st = await waitFor(`${peer.name}: client session not ended (no socketClose/disconnected)`, 10_000, async () => {
    const s = await peer.state();
    return s.socket.closed || s.events.some((e) => e.name === "disconnected") ? s : null;
  }, () => evidenceOf(everyone));
  info(`${peer.name}: session ended: socketClose ${JSON.stringify(st.socket.closed)}`);
}

// Before any page script: the browser may only use TURN over TCP, as when UDP is blocked. The
// SDK still gets both integratedTurnServers; the RTCPeerConnection it creates sees only the TCP one.
function tcpTurnOnly() {
  const Native = window.RTCPeerConnection;
  const tcpOnly = (config) => ({
    ...config,
    iceServers: (config?.iceServers ?? []).filter((s) => [].concat(s.urls).every((u) => u.endsWith("?transport=tcp"))),
  });
  window.e2eIceServersUsed = [];  // what each peer connection really got
  window.RTCPeerConnection = class extends Native {
    constructor(config, ...rest) {
      super(tcpOnly(config), ...rest);
      window.e2eIceServersUsed.push(this.getConfiguration().iceServers.flatMap((s) => [].concat(s.urls)));
    }
    setConfiguration(config) {
      return super.setConfiguration(tcpOnly(config));
    }
  };
}


// A backend's server socket, opened from a page (Node 20 has no WebSocket client): protobuf
// ServerMessage frames encoded and decoded by hand for the few messages used here.
async function openServerSocket(page, server) {
  await page.evaluate(({ url, token }) => {
    const names = { 1: "roomCrashed", 2: "peerConnected", 3: "peerDisconnected", 4: "peerCrashed", 5: "componentCrashed",
      6: "authenticated", 9: "subscribeResponse", 10: "roomCreated", 11: "roomDeleted", 12: "metricsReport", 13: "hlsPlayable" };
    const text = new TextEncoder();
    const field = (number, bytes) => [(number << 3) | 2, bytes.length, ...bytes];
    const varint = (value) => {
      const out = [];
      while (value > 127) { out.push((value & 127) | 128); value >>>= 7; }
      out.push(value);
      return out;
    };
    const readVarint = (bytes, at) => {
      let value = 0, shift = 0;
      for (;;) { const b = bytes[at++]; value += (b & 127) * 2 ** shift; shift += 7; if (b < 128) return [value, at]; }
    };
    const decodeFields = (bytes) => {
      const fields = {};
      for (let at = 0; at < bytes.length;) {
        let key, length;
        [key, at] = readVarint(bytes, at);
        if ((key & 7) === 0) { [fields[key >> 3], at] = readVarint(bytes, at); continue; }
        [length, at] = readVarint(bytes, at);
        fields[key >> 3] = bytes.slice(at, at + length);
        at += length;
      }
      return fields;
    };
    window.__server = { notifications: [], state: "connecting" };
    const socket = new WebSocket(`ws://${url}/socket/server/websocket`);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      const tokenBytes = [...text.encode(token)];
      socket.send(new Uint8Array(field(7, [0x0a, ...varint(tokenBytes.length), ...tokenBytes])));
    };
    socket.onclose = (e) => { window.__server.state = `closed ${e.code}`; };
    socket.onmessage = (e) => {
      const top = decodeFields(new Uint8Array(e.data));
      const number = Number(Object.keys(top)[0]);
      const inner = decodeFields(top[number]);
      const str = (n) => (inner[n] instanceof Uint8Array ? new TextDecoder().decode(inner[n]) : undefined);
      if (number === 6) {
        window.__server.state = "authenticated";
        socket.send(new Uint8Array(field(8, [0x08, 0x01])));  // SubscribeRequest SERVER_NOTIFICATION
        return;
      }
      if (number === 9) { window.__server.state = "subscribed"; return; }
      window.__server.notifications.push({ type: names[number] ?? `field ${number}`, roomId: str(1), subjectId: str(2) });
    };
  }, { url: server.host, token: API_TOKEN });
  await waitFor("server socket subscribed", 5000, async () => (await page.evaluate(() => window.__server.state)) === "subscribed");
  return {
    notifications: () => page.evaluate(() => window.__server.notifications),
  };
}

// --- HLS: what a player would fetch, checked with ffprobe/ffmpeg ---
async function hlsGet(server, roomId, name, query = "") {
  const r = await fetch(`${server.base}/hls/${roomId}/${name}${query}`, { signal: AbortSignal.timeout(20_000) });
  const body = Buffer.from(await r.arrayBuffer());
  return { status: r.status, type: r.headers.get("content-type"), body, text: body.toString("utf8") };
}

function playlistUris(text) {
  return text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
}

function runTool(tool, args) {
  const r = spawnSync(tool, args, { encoding: "utf8", timeout: 60_000 });
  if (r.error) fail(`${tool} could not run: ${r.error.message}`);
  if (r.status !== 0) fail(`${tool} ${args.join(" ")} -> ${r.status}: ${r.stderr}`);
  return r;
}

// Downloads the init segment and segment `sequence` of a media playlist into one playable file.
async function downloadSegment(server, roomId, media, sequence) {
  const map = /#EXT-X-MAP:URI="([^"]+)"/.exec(media.text);
  if (!map) fail(`media playlist has no EXT-X-MAP:\n${media.text}`);
  const segments = playlistUris(media.text);
  if (segments.length <= sequence) fail(`media playlist lists ${segments.length} segments:\n${media.text}`);
  const init = await hlsGet(server, roomId, map[1]);
  const segment = await hlsGet(server, roomId, segments[sequence]);
  if (init.status !== 200 || segment.status !== 200) fail(`init ${init.status}, segment ${segment.status}`);
  const file = path.join(resources.tmp, `segment_${sequence}.mp4`);
  writeFileSync(file, Buffer.concat([init.body, segment.body]));
  info(`downloaded ${map[1]} (${init.body.length} B) + ${segments[sequence]} (${segment.body.length} B)`);
  return file;
}

// Checks one downloaded segment: H264 1920x1080 and AAC, a whole segment of frames, a picture
// that is not just the black canvas.
function checkBroadcastSegment(file) {
  const probe = JSON.parse(runTool("ffprobe", ["-v", "error", "-count_frames", "-show_streams", "-of", "json", file]).stdout);
  const video = probe.streams.find((s) => s.codec_type === "video");
  const audio = probe.streams.find((s) => s.codec_type === "audio");
  info(`ffprobe: video ${video?.codec_name} ${video?.width}x${video?.height} ${video?.nb_read_frames} frames; audio ${audio?.codec_name} ${audio?.sample_rate} Hz ${audio?.channels} ch ${audio?.nb_read_frames} frames`);
  if (video?.codec_name !== "h264" || video.width !== 1920 || video.height !== 1080) fail(`segment video is not 1920x1080 H264: ${JSON.stringify(video)}`);
  if (audio?.codec_name !== "aac" || Number(audio.sample_rate) !== 48000) fail(`segment audio is not 48 kHz AAC: ${JSON.stringify(audio)}`);
  const frames = Number(video.nb_read_frames);
  if (frames < 120 || frames > 150) fail(`a 6 s segment at 24 fps should hold about 144 frames, got ${frames}`);
  const stats = runTool("ffmpeg", ["-v", "info", "-nostats", "-i", file, "-vf", "signalstats,metadata=print:key=lavfi.signalstats.YAVG", "-f", "null", "-"]);
  const averages = [...stats.stderr.matchAll(/YAVG=([0-9.]+)/g)].map((m) => Number(m[1]));
  const brightest = Math.max(...averages);
  info(`mean luma per frame: max ${brightest.toFixed(1)} over ${averages.length} frames (black canvas is 16)`);
  if (!(brightest > 20)) fail("the broadcast picture is black: no tile was drawn");
}

// shoal environment a scenario needs beyond the defaults.
const scenarioEnv = {
  // Node a of a two-node cluster (the scenario starts b); each node's peer socket accepts pages
  // from either node, as an operator's cluster must for the dashboard's join page.
  async dashboard(ctx) {
    const suffix = Math.floor(Math.random() * 1e6);
    const ports = [await freeTcpPort(), await freeTcpPort()];
    while (ports[1] === ports[0]) ports[1] = await freeTcpPort();
    const names = [`dash_a_${suffix}@127.0.0.1`, `dash_b_${suffix}@127.0.0.1`];
    const common = {
      JF_DASHBOARD_ENABLED: "true",
      JF_DIST_ENABLED: "true",
      JF_DIST_LISTEN_IP: "127.0.0.1",
      JF_DIST_NODES: names.join(" "),
      JF_CHECK_ORIGIN: ports.map((port) => `http://127.0.0.1:${port}`).join(" "),
    };
    ctx.cluster = names.map((name, i) => ({ ...common, JF_DIST_NODE_NAME: name, JF_PORT: String(ports[i]) }));
    return ctx.cluster[0];
  },
  async "media-tcp-turn"() {
    return { JF_WEBRTC_TURN_TCP_PORT: String(await freeTcpPort()) };
  },
  // shoal (HTTP/WebSocket and TURN) and the page server listen on the host end of the veth link,
  // reachable from both the host's Chromium and the one in the namespace.
  // A's camera is a file of moving noise: its layers then run at the rates the SDK gives them
  // (l 150k, m 500k), where the default fake camera's simple picture stays far below them.
  async "media-simulcast-low-bandwidth"(ctx) {
    const camera = path.join(resources.tmp, "noise.y4m");
    const made = spawnSync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=s=960x540:r=15,noise=alls=40:allf=t",
      "-frames:v", "30", "-pix_fmt", "yuv420p", "-y", camera], { encoding: "utf8", timeout: 30_000 });
    if (made.status !== 0) fail(`ffmpeg could not make the noise camera file (run scripts/install-deps.sh --test): ${made.stderr ?? made.error}`);
    ctx.hostBrowserArgs = [`--use-file-for-fake-video-capture=${camera}`];
    ctx.netns = createShapedNetns();
    ctx.listenIp = ctx.netns.hostIp;
    return { JF_IP: ctx.netns.hostIp, JF_WEBRTC_TURN_IP: ctx.netns.hostIp, JF_WEBRTC_TURN_LISTEN_IP: ctx.netns.hostIp };
  },
};

// Overall deadlines above DEFAULT_TIMEOUT_MS.
const scenarioTimeoutMs = {
  "media-simulcast-low-bandwidth": 160_000,
};

const scenarios = {
  dashboard(ctx) {
    const startNode = (env, name) => startShoal(opts.shoal, env, name);
    return dashboardScenario(ctx, { waitFor, fail, info, rest, startNode, apiToken: API_TOKEN, tmp: resources.tmp });
  },

  async signaling(ctx) {
    const { roomId, peers } = await setup(ctx, {}, ["A", "B", "C"]);
    const [a, b, c] = peers;
    const ev = () => evidenceOf(peers);

    const joinedA = await a.join();
    if (joinedA.initialPeers.length !== 0) fail(`A joined an empty room but saw peers ${joinedA.initialPeers}`, await ev());
    const joinedB = await b.join();
    if (!joinedB.initialPeers.includes(a.id)) fail(`B's joined event does not list A (${a.id}): ${joinedB.initialPeers}`, await ev());
    info(`B joined, peers in room: ${joinedB.initialPeers.join(", ")}`);
    await waitFor("A sees B in peerJoined", 5000, async () => (await a.state()).peerJoined.includes(b.id), ev);
    info(`A: peerJoined ${b.id} (metadata ${JSON.stringify((await a.state()).peers[b.id].metadata)})`);

    const listed = await rest(ctx.server, "GET", `/room/${roomId}`);
    const statuses = Object.fromEntries(listed.json.data.peers.map((p) => [p.id, p.status]));
    info(`REST peer status: ${JSON.stringify(statuses)}`);
    if (statuses[a.id] !== "connected" || statuses[b.id] !== "connected") fail(`REST does not show A and B connected: ${JSON.stringify(statuses)}`, await ev());

    await b.leave();
    await waitFor("A sees peerLeft for B", 5000, async () => (await a.state()).peerLeft.includes(b.id), ev);
    info(`A: peerLeft ${b.id}`);
    await waitFor("REST shows B disconnected", 5000, async () => {
      const r = await rest(ctx.server, "GET", `/room/${roomId}`);
      return r.json.data.peers.find((p) => p.id === b.id)?.status === "disconnected";
    }, ev);

    await c.join();
    await waitFor("A sees C in peerJoined", 5000, async () => (await a.state()).peerJoined.includes(c.id), ev);
    const del = await rest(ctx.server, "DELETE", `/room/${roomId}/peer/${c.id}`);
    if (del.status !== 204) fail(`DELETE peer C -> ${del.status} ${del.text}`, await ev());
    info("DELETE /room/:id/peer/C -> 204");
    const closed = await waitFor("C's WebSocket closed by the server", 5000, async () => (await c.state()).socket.closed, ev);
    info(`C: socketClose code ${closed.code} reason ${JSON.stringify(closed.reason)}`);
    if (closed.code !== 1000) fail(`C's socket closed with ${closed.code}, expected 1000`, await ev());
    await waitFor("A sees peerLeft for C", 5000, async () => (await a.state()).peerLeft.includes(c.id), ev);
    info(`A: peerLeft ${c.id}`);
    const stA = await a.state();
    if (!stA.socket.opened || stA.socket.closed) fail("A's socket should still be open", await ev());
  },

  async "media-two-peers"(ctx) {
    const { a, b } = await publishPair(ctx, { videoCodec: "vp8" });
    await checkMediaFlowing(a, [b], "video/VP8");
    await checkMediaFlowing(b, [a], "video/VP8");
  },

  async "media-tcp-turn"(ctx) {
    ctx.pageInitScript = tcpTurnOnly;
    const { peers, a, b } = await publishPair(ctx, { videoCodec: "vp8" });
    for (const peer of peers) {
      const servers = (await peer.page.evaluate(() => window.e2eIceServersUsed)).flat();
      if (!servers.length || !servers.every((u) => u.endsWith("?transport=tcp"))) {
        fail(`${peer.name}: peer connection not restricted to TCP TURN: ${servers}`, await evidenceOf(peers));
      }
      if (!shoalLog.some((line) => line.includes(`Peer "${peer.id}": TCP TURN connection`))) {
        fail(`${peer.name}: shoal saw no TCP TURN connection of this peer`, await evidenceOf(peers));
      }
    }
    info(`both peers connected through TCP TURN only (${(await a.page.evaluate(() => window.e2eIceServersUsed)).flat().join(", ")})`);
    await checkMediaFlowing(a, [b], "video/VP8");
    await checkMediaFlowing(b, [a], "video/VP8");
  },

  // The RTSP component's H264 track reaches browsers through the unmodified SDK: one that joined
  // before the component (the track comes by renegotiation) and one that joins while the stream
  // runs (it starts at the next IDR, which gets the parameter sets announced only in the SDP).
  async rtsp(ctx) {
    const source = await startRtspSource();
    const { roomId, peers } = await setup(ctx, { videoCodec: "h264" }, ["A", "B"]);
    const [a, b] = peers;
    const ev = () => evidenceOf(peers);
    await a.join();
    const added = await rest(ctx.server, "POST", `/room/${roomId}/component`, {
      type: "rtsp",
      options: { sourceUri: source.uri, rtpPort: await freeUdpPort() },
    });
    if (added.status !== 201) fail(`POST component rtsp -> ${added.status} ${added.text}`);
    const component = added.json.data;
    info(`component ${JSON.stringify(component)}`);
    const trackOf = async (peer) =>
      Object.values((await peer.state()).remoteTracks).find((t) => t.owner === component.id && t.removed == null)?.trackId;
    const trackId = await waitFor("A gets a track from the RTSP component", 20_000, () => trackOf(a), ev);
    const rtspEndpoint = { name: "rtsp", localTrackIds: [trackId] };
    await waitMediaUp(a, [rtspEndpoint], peers);
    await checkMediaFlowing(a, [rtspEndpoint], "video/H264");
    await b.join();
    if ((await trackOf(b)) !== trackId) fail(`B, joining later, does not get track ${trackId}`, await ev());
    await waitMediaUp(b, [rtspEndpoint], peers);
    await checkMediaFlowing(b, [rtspEndpoint], "video/H264");
    for (const peer of peers) {
      const r = inboundByTrack(await peer.stats())[trackId];
      if (r.frameWidth !== 320 || r.frameHeight !== 240) fail(`${peer.name} decodes ${r.frameWidth}x${r.frameHeight}, the source sends 320x240`, await ev());
    }
    const del = await rest(ctx.server, "DELETE", `/room/${roomId}/component/${component.id}`);
    if (del.status !== 204) fail(`DELETE component -> ${del.status} ${del.text}`);
    for (const peer of peers) {
      await waitFor(`${peer.name}: trackRemoved for the RTSP track`, 10_000, async () =>
        (await peer.state()).events.some((e) => e.name === "trackRemoved" && e.detail?.trackId === trackId), ev);
    }
    await waitFor("the source sees TEARDOWN", 5000, async () => source.requests("TEARDOWN") === 1, ev);
    info("component deleted: both peers saw trackRemoved, the source TEARDOWN");
  },

  async hls(ctx) {
    const { roomId, peers } = await publishPair(ctx, { videoCodec: "h264" });
    const ev = () => evidenceOf(peers);
    const backend = await openServerSocket(peers[0].page, ctx.server);
    // persistent: the output outlives the component, so the closed playlist can be read after removal.
    const added = await rest(ctx.server, "POST", `/room/${roomId}/component`, { type: "hls", options: { persistent: true } });
    if (added.status !== 201) fail(`POST component hls -> ${added.status} ${added.text}`);
    const component = added.json.data;
    info(`component ${JSON.stringify(component)}`);
    if (component.metadata.playable !== false || component.metadata.lowLatency !== false) fail(`unexpected metadata ${JSON.stringify(component.metadata)}`);
    const started = Date.now();
    await waitFor("HLS component playable", 30_000, async () => {
      const r = await rest(ctx.server, "GET", `/room/${roomId}`);
      return r.json.data.components.find((c) => c.id === component.id)?.metadata.playable === true;
    }, ev);
    info(`playable after ${Date.now() - started} ms`);
    const playable = await waitFor("HlsPlayable on the server socket", 5000, async () =>
      (await backend.notifications()).find((n) => n.type === "hlsPlayable"), ev);
    if (playable.roomId !== roomId || playable.subjectId !== component.id) fail(`HlsPlayable names ${JSON.stringify(playable)}`);
    info(`server socket: HlsPlayable {roomId, componentId} = {${playable.roomId}, ${playable.subjectId}}`);

    const master = await hlsGet(ctx.server, roomId, "index.m3u8");
    if (master.status !== 200 || master.type !== "application/vnd.apple.mpegurl") fail(`index.m3u8 -> ${master.status} ${master.type}`);
    info(`index.m3u8:\n${master.text}`);
    if (!/RESOLUTION=1920x1080/.test(master.text) || !/CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"/.test(master.text)) fail("master playlist lacks resolution or codecs");
    const media = await hlsGet(ctx.server, roomId, playlistUris(master.text)[0]);
    if (media.status !== 200) fail(`media playlist -> ${media.status}`);
    info(`media playlist:\n${media.text}`);
    const durations = [...media.text.matchAll(/#EXTINF:([0-9.]+)/g)].map((m) => Number(m[1]));
    if (durations.length === 0 || Math.abs(durations[0] - 6) > 0.01) fail(`first segment should last 6 s: ${durations}`);
    checkBroadcastSegment(await downloadSegment(ctx.server, roomId, media, 0));

    const missing = await hlsGet(ctx.server, roomId, "no_such_file.m4s");
    if (missing.status !== 404 || !/File not found/.test(missing.text)) fail(`missing file -> ${missing.status} ${missing.text}`);
    const removed = await rest(ctx.server, "DELETE", `/room/${roomId}/component/${component.id}`);
    if (removed.status !== 204) fail(`DELETE component -> ${removed.status}`);
    const ended = await hlsGet(ctx.server, roomId, playlistUris(master.text)[0]);
    if (!/#EXT-X-ENDLIST/.test(ended.text)) fail(`after removal the playlist should be closed:\n${ended.text}`);
    info("component removed: playlist closed with EXT-X-ENDLIST");
  },

  async "hls-low-latency"(ctx) {
    const { roomId, peers } = await publishPair(ctx, { videoCodec: "h264" });
    const ev = () => evidenceOf(peers);
    const added = await rest(ctx.server, "POST", `/room/${roomId}/component`, { type: "hls", options: { lowLatency: true } });
    if (added.status !== 201 || added.json.data.metadata.lowLatency !== true) fail(`POST component hls lowLatency -> ${added.status} ${added.text}`);
    await waitFor("HLS component playable", 30_000, async () => {
      const r = await rest(ctx.server, "GET", `/room/${roomId}`);
      return r.json.data.components[0]?.metadata.playable === true;
    }, ev);
    const master = await hlsGet(ctx.server, roomId, "index.m3u8");
    const mediaName = playlistUris(master.text)[0];
    const media = await hlsGet(ctx.server, roomId, mediaName);
    info(`media playlist:\n${media.text}`);
    for (const tag of ["#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES", "#EXT-X-PART-INF:PART-TARGET=1.100", "#EXT-X-PART:"]) {
      if (!media.text.includes(tag)) fail(`low-latency playlist lacks ${tag}`);
    }
    const part = /#EXT-X-PART:DURATION=([0-9.]+),URI="([^"]+)"/.exec(media.text);
    if (Number(part[1]) > 1.1) fail(`a part lasts longer than PART-TARGET: ${part[1]}`);
    const partFile = await hlsGet(ctx.server, roomId, part[2]);
    if (partFile.status !== 200 || partFile.body.subarray(4, 8).toString() !== "moof") fail(`part ${part[2]} -> ${partFile.status}, not a fragment`);
    info(`part ${part[2]}: ${partFile.body.length} B, starts with moof`);

    // Blocking reload: ask for a part two ahead of the open segment's last listed one.
    const sequence = [...media.text.matchAll(/#EXTINF/g)].length;
    const tail = media.text.slice(media.text.lastIndexOf("#EXTINF"));
    const openParts = [...tail.matchAll(/#EXT-X-PART:/g)].length;
    const wanted = `muxed_segment_${sequence}_${openParts + 1}_part.m4s`;
    const before = await hlsGet(ctx.server, roomId, mediaName);
    const t0 = Date.now();
    const blocked = await hlsGet(ctx.server, roomId, mediaName, `?_HLS_msn=${sequence}&_HLS_part=${openParts + 1}`);
    const waited = Date.now() - t0;
    info(`_HLS_msn=${sequence}&_HLS_part=${openParts + 1}: ${blocked.status} after ${waited} ms (was listed before: ${before.text.includes(wanted)})`);
    if (blocked.status !== 200) fail(`blocking reload -> ${blocked.status} ${blocked.text}`);
    const segmentsNow = [...blocked.text.matchAll(/#EXTINF/g)].length;
    if (!blocked.text.includes(wanted) && segmentsNow <= sequence) fail(`blocking reload answered without part ${wanted}:\n${blocked.text}`);
    if (waited > 8000) fail(`blocking reload took ${waited} ms`);

    const delta = await hlsGet(ctx.server, roomId, mediaName, "?_HLS_skip=YES");
    if (delta.status !== 200 || !delta.text.includes("#EXT-X-SERVER-CONTROL")) fail(`delta playlist -> ${delta.status}`);
    const ahead = await hlsGet(ctx.server, roomId, mediaName, `?_HLS_msn=${sequence + 10}&_HLS_part=0`);
    if (ahead.status !== 400) fail(`a reload ten segments ahead -> ${ahead.status}, expected 400`);
    checkBroadcastSegment(await downloadSegment(ctx.server, roomId, media, 0));
  },

  async "media-h264"(ctx) {
    const { a, b } = await publishPair(ctx, { videoCodec: "h264" });
    await checkMediaFlowing(a, [b], "video/H264");
    await checkMediaFlowing(b, [a], "video/H264");
  },

  async "media-late-joiner"(ctx) {
    const { peers, a, b } = await publishPair(ctx, { videoCodec: "vp8" }, ["C"]);
    await checkMediaFlowing(a, [b]);
    const c = peers[2];
    await c.join();
    const st = await c.state();
    if (!st.initialPeers.includes(a.id) || !st.initialPeers.includes(b.id)) fail(`C's joined event does not list A and B: ${st.initialPeers}`, await evidenceOf(peers));
    await waitMediaUp(c, [a, b], peers);
    await checkMediaFlowing(c, [a, b]);
  },

  async "media-peer-leaves"(ctx) {
    const { peers, a, b } = await publishPair(ctx, { videoCodec: "vp8" });
    await checkMediaFlowing(a, [b]);
    await b.leave();
    await expectTracksRemovedAndPeerLeft(a, b, peers);
  },

  // A publishes its camera as simulcast l/m/h; B receives one layer (medium first), then asks
  // for "l" with setTargetTrackEncoding and gets encodingSwitched and a smaller picture.
  async "media-simulcast"(ctx) {
    const { peers } = await setup(ctx, { videoCodec: "vp8" }, ["A", "B"]);
    const [a, b] = peers;
    const ev = () => evidenceOf(peers);
    await a.join({ publishVideo: true, simulcast: true });
    await b.join();
    await waitMediaUp(b, [a], peers);
    await checkMediaFlowing(b, [a], "video/VP8");
    const trackId = a.localTrackIds[0];

    const layers = await waitFor("A sends at least two simulcast layers", 15_000, async () => {
      const out = (await a.stats()).flatMap((pc) => pc.outbound).filter((o) => o.kind === "video" && o.rid && o.packetsSent > 0);
      return out.length >= 2 ? out : null;
    }, ev);
    info(`A: layers sent ${layers.map((o) => `${o.rid} ${o.frameWidth ?? "?"}w ${o.packetsSent}p`).join(", ")}`);
    const onMedium = await waitFor("B is told it receives a layer above l (encodingSwitched)", 15_000, async () => {
      const changes = (await b.state()).encodingChanges.filter((c) => c.trackId === trackId);
      const last = changes[changes.length - 1];
      return last && last.encoding !== "l" ? last : null;
    }, ev);
    info(`B: encodingSwitched ${JSON.stringify(onMedium)}`);
    const widthBefore = await waitFor("B decodes A's video with a known width", 5_000, async () => inboundByTrack(await b.stats())[trackId]?.frameWidth, ev);

    await b.page.evaluate(([t, e]) => window.e2e.setTargetEncoding(t, e), [trackId, "l"]);
    info(`B: setTargetTrackEncoding(${trackId}, "l")`);
    const toLow = await waitFor("B gets encodingSwitched to l", 10_000, async () => {
      const changes = (await b.state()).encodingChanges;
      return changes.find((c) => c.trackId === trackId && c.encoding === "l" && c.t > onMedium.t);
    }, ev);
    info(`B: encodingSwitched ${JSON.stringify(toLow)}`);
    if (toLow.reason !== "other") fail(`switch to l reported reason ${toLow.reason}, expected "other"`, await ev());
    const widthAfter = await waitFor("B decodes the smaller l layer", 10_000, async () => {
      const w = inboundByTrack(await b.stats())[trackId]?.frameWidth;
      return w && w < widthBefore ? w : null;
    }, ev);
    info(`B: decoded width ${widthBefore} -> ${widthAfter}`);
    await checkMediaFlowing(b, [a], "video/VP8");

    const pair = (await a.stats()).flatMap((pc) => pc.transports).find((t) => t.selectedPair)?.selectedPair;
    const remote = (await a.stats()).flatMap((pc) => pc.remoteInbound);
    info(`A: availableOutgoingBitrate ${pair?.availableOutgoingBitrate ?? "?"}, receiver reports ${JSON.stringify(remote)}`);
  },

  // A publishes simulcast l/m/h from the host's Chromium; B subscribes from a second Chromium in a
  // network namespace whose downlink (host -> namespace, so shoal -> B) tc shapes to 250 kbit/s.
  // shoal's send-side bandwidth estimation toward B must notice: B gets custom bandwidthEstimation
  // events near the shaped rate and encodingSwitched to "l" with reason "low_bandwidth", and keeps
  // decoding; once the limit is lifted, encodingSwitched back above "l" with reason "other".
  async "media-simulcast-low-bandwidth"(ctx) {
    const ns = ctx.netns;
    ctx.browserFor = { B: await launchChromium(opts.chromium, { netns: ns, args: pageOriginArgs(ctx.pageUrl) }) };
    const { peers } = await setup(ctx, { videoCodec: "vp8" }, ["A", "B"]);
    const [a, b] = peers;
    let monitor = null;
    let sendRates = null;
    let sentBefore = null;
    const ev = async () => ({
      ...(await evidenceOf(peers)),
      network: {
        link: `${ns.hostVeth} ${ns.hostIp} -> ${ns.nsVeth} ${ns.nsIp} in ${ns.name}`,
        qdisc: qdiscStats(ns),
        sentByA: sentBefore ? await sendRates(sentBefore).catch((e) => e.message) : null,
        receivedByB: monitor?.samples.slice(-30) ?? [],
        bandwidthEstimationsOfB: await b.state().then(ReceiveMonitor.trajectory, (e) => e.message),
      },
    });
    info(`A's page ${ctx.pageUrl} in the host's Chromium; B's page ${ctx.pageUrl} in ${ns.name}, shoal at ${ctx.server.host}`);

    // Shaped only now: the pages (bundle with inline source map) are loaded.
    shapeLink(ns, SHAPE_ARGS(SHAPED_KBIT));
    info(`shaped ${ns.hostVeth} (host -> ${ns.name}): tc qdisc ${SHAPE_ARGS(SHAPED_KBIT).join(" ")}`);

    await a.join({ publishVideo: true, simulcast: true });
    await b.join();
    await waitMediaUp(b, [a], peers);
    const trackId = a.localTrackIds[0];
    const pair = (await b.stats()).flatMap((pc) => pc.transports).find((t) => t.selectedPair)?.selectedPair;
    info(`B: selected candidate pair ${pair?.local} -> ${pair?.remote}`);

    // What A really sends per layer (the SDK declares l 150k, m 500k, h 2500k as variantBitrates).
    const layerBytes = async () => Object.fromEntries((await a.stats()).flatMap((pc) => pc.outbound)
      .filter((o) => o.kind === "video" && o.rid).map((o) => [o.rid, { bytes: o.bytesSent, width: o.frameWidth, limit: o.qualityLimitationReason }]));
    sentBefore = { at: Date.now(), layers: await layerBytes() };
    sendRates = async (since) => {
      const now = { at: Date.now(), layers: await layerBytes() };
      const secs = (now.at - since.at) / 1000;
      return `over ${secs.toFixed(1)} s: ${Object.entries(now.layers).sort(([x], [y]) => "lmh".indexOf(x) - "lmh".indexOf(y)).map(([rid, l]) =>
        `${rid} ${l.width ?? "?"}w ${((8 * (l.bytes - (since.layers[rid]?.bytes ?? 0))) / secs / 1000).toFixed(0)} kbit/s${l.limit && l.limit !== "none" ? ` (limited: ${l.limit})` : ""}`).join(", ")}`;
    };
    monitor = new ReceiveMonitor(b, trackId);
    await waitFor("B decodes A's video through the shaped link (framesDecoded +10)", 20_000, async () => {
      const st = await b.state();
      await monitor.poll(st);
      return monitor.framesSinceStart() >= 10;
    }, ev);
    info(`B decodes A's video through the ${SHAPED_KBIT} kbit/s link; tc: ${qdiscStats(ns).join(" | ")}`);
    info(`A sends ${await sendRates(sentBefore)}`);

    const toLow = await waitFor(`B gets encodingSwitched {encoding: "l", reason: "low_bandwidth"} for A's video`, 30_000, async () => {
      const st = await b.state();
      await monitor.poll(st);
      return st.encodingChanges.find((c) => c.trackId === trackId && c.encoding === "l" && c.reason === "low_bandwidth");
    }, ev);
    info(`B: encodingSwitched ${JSON.stringify(toLow)}`);
    const lowWidth = await waitFor("B decodes the l layer (width <= 240)", 10_000, async () => {
      const w = inboundByTrack(await b.stats())[trackId]?.frameWidth;
      return w && w <= 240 ? w : null;
    }, ev);
    info(`B: decoded width ${lowWidth}`);
    await checkMediaFlowing(b, [a], "video/VP8");
    await monitor.poll(await b.state(), true);

    let st = await b.state();
    info(`B: bandwidthEstimation so far: ${ReceiveMonitor.trajectory(st).join(", ") || "none"}`);
    const latest = st.bandwidthEstimations.at(-1);
    if (!latest) fail("B received no bandwidthEstimation media event", await ev());
    if (!(latest.estimation < 1.5 * SHAPED_KBIT * 1000)) {
      fail(`B's latest bandwidthEstimation ${latest.estimation} bit/s is not below 1.5 x the shaped ${SHAPED_KBIT} kbit/s`, await ev());
    }

    info(`tc before lifting: ${qdiscStats(ns).join(" | ")}`);
    info(`A sends ${await sendRates(sentBefore)}`);
    shapeLink(ns, LIFTED_ARGS);
    info(`lifted the limit: tc qdisc ${LIFTED_ARGS.join(" ")}`);
    const back = await waitFor(`B gets encodingSwitched back above "l" after the limit is lifted`, 45_000, async () => {
      const s = await b.state();
      await monitor.poll(s);
      return s.encodingChanges.find((c) => c.trackId === trackId && c.t > toLow.t && c.encoding !== "l");
    }, ev);
    info(`B: encodingSwitched ${JSON.stringify(back)}`);
    if (back.reason !== "other") fail(`switch back to ${back.encoding} reported reason ${back.reason}, expected "other"`, await ev());
    await checkMediaFlowing(b, [a], "video/VP8");
    await monitor.poll(await b.state(), true);
    st = await b.state();
    info(`B: bandwidthEstimation trajectory: ${ReceiveMonitor.trajectory(st).join(", ")}`);
  },

  async "media-rest-delete"(ctx) {
    const { roomId, peers, a, b } = await publishPair(ctx, { videoCodec: "vp8" });
    await checkMediaFlowing(a, [b]);
    const del = await rest(ctx.server, "DELETE", `/room/${roomId}/peer/${b.id}`);
    if (del.status !== 204) fail(`DELETE peer B -> ${del.status} ${del.text}`);
    info("DELETE /room/:id/peer/B -> 204");
    await expectSessionEnded(b, peers);
    await expectTracksRemovedAndPeerLeft(a, b, peers);
  },
};

// ---------------------------------------------------------------------------------------------
// Main

const opts = parseArgs(process.argv.slice(2));

async function main() {
  if (opts.list) {
    console.log(Object.keys(scenarios).join("\n"));
    return 0;
  }
  const scenario = scenarios[opts.scenario];
  if (!scenario) {
    console.log(`usage: node run.mjs <scenario> [--shoal PATH] [--chromium PATH] [--verbose]\nscenarios: ${Object.keys(scenarios).join(", ")}`);
    return 2;
  }
  const overallMs = Number(process.env.E2E_TIMEOUT_MS) || scenarioTimeoutMs[opts.scenario] || DEFAULT_TIMEOUT_MS;
  const hardStop = setTimeout(() => {
    interrupted = true;
    console.log(`${stamp()} FAIL: ${opts.scenario}: overall timeout of ${overallMs / 1000} s`);
    printServerTail();
    teardown().finally(() => process.exit(1));
    setTimeout(() => process.exit(1), 8000).unref();
  }, overallMs);

  resources.tmp = mkdtempSync(path.join(os.tmpdir(), "shoal-e2e-"));
  const ctx = { peers: [] };
  try {
    info(`scenario ${opts.scenario}`);
    const pageDir = await buildPage();
    // Before the page server and shoal: a scenario may set ctx.listenIp (where shoal and the page
    // server listen) and ctx.netns (media-simulcast-low-bandwidth).
    const env = await (scenarioEnv[opts.scenario]?.(ctx) ?? {});
    ctx.pageUrl = await startStaticServer(pageDir, ctx.listenIp);
    ctx.browser = await launchChromium(opts.chromium, { args: [...pageOriginArgs(ctx.pageUrl), ...(ctx.hostBrowserArgs ?? [])] });
    ctx.server = await startShoal(opts.shoal, env);
    await scenario(ctx);
    if (ctx.server && resources.shoal.exitCode !== null) fail(`shoal exited during the test (${resources.shoal.exitCode})`);
    console.log(`${stamp()} PASS: ${opts.scenario}`);
    return 0;
  } catch (e) {
    if (interrupted) return 1;
    if (e instanceof Skip) {
      console.log(`${stamp()} SKIP: ${opts.scenario}: ${e.message}`);
      return SKIP;
    }
    console.log(`${stamp()} FAIL: ${opts.scenario}: ${e.message}`);
    if (!(e instanceof TestFailure)) console.log(e.stack);
    if (e.evidence) console.log(`evidence:\n${JSON.stringify(e.evidence, null, 2)}`);
    printServerTail();
    return 1;
  } finally {
    clearTimeout(hardStop);
    await teardown();
  }
}

function printServerTail() {
  if (!shoalLog.length) return;
  console.log(`shoal output (last ${Math.min(60, shoalLog.length)} lines):`);
  for (const line of shoalLog.slice(-60)) console.log(`  | ${line}`);
}

process.on("uncaughtException", (e) => {
  console.log(`${stamp()} FAIL: uncaught ${e.stack ?? e}`);
  teardown().finally(() => process.exit(1));
});

main().then((code) => process.exit(code));
