// Scenario "dashboard": the dashboard shoal serves at /dashboard/ (JF_DASHBOARD_ENABLED), in
// headless Chromium, on node a of a two-node cluster. A wrong API token is refused; with the right
// one the overview shows node a, then node b as it joins. Two operators join one room from the
// join page on a (camera and microphone through the real client SDK; the cluster places the room
// on b, where the peers connect) and each decodes the other's video; the overview, updated live from the server
// socket, shows both nodes' load and the room with its node, both peers and their four tracks
// exactly as GET /cluster lists them, and a screenshot of it shows the rendered room; when one
// operator leaves the overview shows that too.
import { writeFileSync } from "node:fs";
import path from "node:path";

export async function dashboardScenario(ctx, { waitFor, fail, info, rest, startNode, apiToken, tmp }) {
  const [nameA, nameB] = ctx.cluster.map((env) => env.JF_DIST_NODE_NAME);
  const base = `${ctx.server.base}/dashboard/`;
  const pages = [];
  const open = async (url) => {
    const context = await ctx.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const log = [];
    page.on("console", (m) => log.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => log.push(`pageerror: ${e.message}`));
    pages.push({ url, page, log });
    await page.goto(url);
    return page;
  };
  const evidence = async () => {
    const out = {};
    for (const [i, p] of pages.entries()) {
      out[`page ${i} ${p.url}`] = {
        text: await p.page.evaluate(() => document.body.innerText).catch((e) => `unavailable: ${e.message}`),
        console: p.log.slice(-20),
      };
    }
    return out;
  };
  const signIn = async (page, token) => {
    await page.locator("#sign-in input").fill(token);
    await page.locator("#sign-in button").click();
  };

  // Sign-in: a wrong token is refused, the right one opens the overview.
  const overview = await open(base);
  await pageVisible(overview, "#sign-in", waitFor, evidence);
  await signIn(overview, "not-the-token");
  await waitFor("the overview says a wrong token was refused", 5000, async () =>
    (await overview.locator("#sign-in-message").textContent()) === "The node refused this token.", evidence);
  await signIn(overview, apiToken);
  await pageVisible(overview, "#content", waitFor, evidence);
  const nodeState = async (name) =>
    overview.locator(`#nodes tr[data-node="${name}"] .badge`).textContent({ timeout: 200 }).catch(() => "");
  await waitFor("the overview shows node a serving", 5000, async () => (await nodeState(nameA)) === "serving", evidence);
  await waitFor("the overview's notification socket is live", 5000, async () =>
    (await overview.locator("#live").textContent()) === "live", evidence);
  info(`overview: signed in, ${nameA} serving, notifications live`);
  await startNode(ctx.cluster[1], "b");
  await waitFor("the overview shows node b serving once it joined", 10_000, async () => (await nodeState(nameB)) === "serving", evidence);
  info(`overview: ${nameB} joined the cluster and is shown serving`);

  // A room on node a first, so that placement puts the operators' room on node b: the join page
  // on a then connects the peers to b, and b's notifications reach a's overview through the cluster.
  const filler = await rest(ctx.server, "POST", "/room", {});
  if (filler.status !== 201 || filler.json.data.jellyfish_address !== ctx.server.host) {
    fail(`the first room should land on node a: ${filler.status} ${filler.text}`, await evidence());
  }

  // Operator 1 creates a room from the join page; operator 2 joins it by its address.
  const joinPage = async (query, name) => {
    const page = await open(`${base}join.html${query}`);
    await signIn(page, apiToken);
    await pageVisible(page, "#join-form", waitFor, evidence);
    await page.locator("#name").fill(name);
    if (!query) await page.locator("#codec").selectOption("vp8");
    await page.locator("#join").click();
    await waitFor(`${name} joined`, 15_000, async () => (await page.evaluate(() => document.body.dataset.peerId)) ?? false, evidence);
    return page;
  };
  const first = await joinPage("", "operator-1");
  const roomId = new URL(first.url()).searchParams.get("room");
  if (!roomId) fail("the join page did not put the new room into its address", await evidence());
  info(`operator-1 created room ${roomId} and joined`);
  const second = await joinPage(`?room=${encodeURIComponent(roomId)}`, "operator-2");
  info("operator-2 joined the same room");

  // Each decodes the other's video (a remote tile besides its own).
  const remoteFrames = (page) =>
    page.evaluate(() =>
      [...document.querySelectorAll("figure[data-id]")]
        .filter((f) => f.dataset.id !== "local")
        .map((f) => f.querySelector("video"))
        .map((v) => ({ width: v.videoWidth, frames: v.getVideoPlaybackQuality().totalVideoFrames })),
    );
  for (const [name, page] of [["operator-1", first], ["operator-2", second]]) {
    const start = await waitFor(`${name} shows the other's video`, 20_000, async () => {
      const tiles = await remoteFrames(page);
      return tiles.length === 1 && tiles[0].width > 0 ? tiles[0] : false;
    }, evidence);
    await waitFor(`${name}: the other's video keeps playing`, 10_000, async () => (await remoteFrames(page))[0].frames > start.frames + 10, evidence);
    info(`${name}: decoding the other's ${start.width}-wide video`);
  }

  // The overview shows what GET /cluster says: the room, both peers, each with audio and video.
  const fromApi = async () => (await rest(ctx.server, "GET", "/cluster")).json.data;
  const fromPage = () =>
    overview.evaluate((id) => {
      const room = document.querySelector(`article[data-room="${id}"]`);
      if (!room) return null;
      return [...room.querySelectorAll("li.peer")].map((peer) => ({
        id: peer.dataset.peer,
        status: peer.querySelector(".badge").textContent,
        tracks: [...peer.querySelectorAll("li.track")].map((t) => t.dataset.track).sort(),
      }));
    }, roomId);
  const expected = (data) =>
    data.rooms
      .find((r) => r.id === roomId)
      ?.peers.map((p) => ({ id: p.id, status: p.status, tracks: p.tracks.map((t) => t.id).sort() }));
  // Each node's row as the page shows it and as GET /cluster says: rooms, peers, forwarded tracks.
  const nodeRows = () =>
    overview.evaluate(() =>
      Object.fromEntries([...document.querySelectorAll("#nodes tr[data-node]")].map((row) => {
        const cells = [...row.querySelectorAll("td")].map((td) => td.textContent);
        return [row.dataset.node, { state: cells[1], load: cells.slice(2, 5).join("/") }];
      })),
    );
  const apiRows = (data) =>
    Object.fromEntries(data.nodes.map((n) => [n.name, { state: n.state, load: `${n.rooms}/${n.peers}/${n.forwardedTracks}` }]));
  let apiPeers = null;
  let holder = null;
  let rows = null;
  await waitFor("the overview shows both peers with two tracks each and every node's load as GET /cluster lists them", 10_000, async () => {
    const data = await fromApi();
    apiPeers = expected(data);
    holder = data.rooms.find((r) => r.id === roomId)?.node;
    rows = { api: apiRows(data), page: await nodeRows() };
    const shown = await fromPage();
    const shownNode = await overview.evaluate((id) => document.querySelector(`article[data-room="${id}"] h3`)?.textContent ?? "", roomId);
    return apiPeers?.length === 2 && apiPeers.every((p) => p.tracks.length === 2 && p.status === "connected") &&
      JSON.stringify(shown) === JSON.stringify(apiPeers) && shownNode.includes(` on ${holder} `) &&
      holder === nameB && rows.api[nameB]?.load === "1/2/4" && rows.api[nameA]?.load === "1/0/0" &&
      JSON.stringify(rows.page) === JSON.stringify(rows.api);
  }, async () => ({ api: apiPeers, page: await fromPage(), rows, ...(await evidence()) }));
  info(`overview: nodes ${JSON.stringify(rows.page)}; the room is on ${holder}`);
  const events = await overview.locator("#events li").evaluateAll((items) => items.map((i) => i.dataset.type));
  for (const type of ["RoomCreated", "PeerConnected"]) {
    if (!events.includes(type)) fail(`the overview's notifications lack ${type}: ${events}`, await evidence());
  }
  info(`overview: room ${roomId} with ${apiPeers.map((p) => `${p.id} (${p.tracks.length} tracks)`).join(", ")}; notifications ${events.join(", ")}`);

  // The screenshot shows the room card rendered: visible, sized, and drawn (text, not blank).
  const card = overview.locator(`article[data-room="${roomId}"]`);
  const box = await card.boundingBox();
  if (!box || box.width < 300 || box.height < 60) fail(`the room card is not laid out: ${JSON.stringify(box)}`, await evidence());
  const shot = await overview.screenshot({ fullPage: true });
  const cardShot = await card.screenshot();
  writeFileSync(path.join(tmp, "dashboard.png"), shot);
  const drawn = await overview.evaluate(async (png) => {
    const image = new Image();
    image.src = `data:image/png;base64,${png}`;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.width;
    canvas.height = image.height;
    const g = canvas.getContext("2d");
    g.drawImage(image, 0, 0);
    const pixels = g.getImageData(0, 0, image.width, image.height).data;
    let dark = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i] + pixels[i + 1] + pixels[i + 2] < 300) dark++;
    return { width: image.width, height: image.height, darkShare: dark / (pixels.length / 4) };
  }, cardShot.toString("base64"));
  if (drawn.darkShare < 0.005 || drawn.darkShare > 0.5) {
    fail(`the room card's screenshot does not look like rendered text: ${JSON.stringify(drawn)}`, await evidence());
  }
  info(`screenshot: room card ${drawn.width}x${drawn.height}, ${(drawn.darkShare * 100).toFixed(1)} % text pixels`);
  if (process.env.E2E_ARTIFACTS) {
    writeFileSync(path.join(process.env.E2E_ARTIFACTS, "dashboard.png"), shot);
    writeFileSync(path.join(process.env.E2E_ARTIFACTS, "dashboard-join.png"), await first.screenshot());
  }

  // Operator 2 leaves: the overview shows its peer disconnected without tracks, and the event.
  const leaving = { id: await second.evaluate(() => document.body.dataset.peerId) };
  await second.locator("#leave").click();
  await waitFor("the overview shows operator-2 disconnected with no tracks", 10_000, async () => {
    const shown = (await fromPage()) ?? [];
    const gone = shown.find((p) => p.id === leaving.id);
    return gone?.status === "disconnected" && gone.tracks.length === 0;
  }, evidence);
  await waitFor("the overview lists PeerDisconnected", 5000, async () =>
    (await overview.locator('#events li[data-type="PeerDisconnected"]').count()) > 0, evidence);
  info("overview: operator-2 shown disconnected, PeerDisconnected listed");
  const errors = pages.flatMap((p) => p.log.filter((l) => l.startsWith("pageerror")));
  if (errors.length) fail(`page errors: ${errors.join("; ")}`, await evidence());
}

async function pageVisible(page, selector, waitFor, evidence) {
  await waitFor(`${selector} visible`, 10_000, async () => page.locator(selector).isVisible(), evidence);
}
