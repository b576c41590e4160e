// Bundles main.js into dist/videoroom.js and serves this directory on 127.0.0.1:<port>.
// esbuild rebuilds the bundle whenever the page is reloaded after an edit.
// Usage: node serve.mjs [port]   (default: $PORT or 8000)
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const dir = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.argv[2] ?? process.env.PORT ?? 8000);
const ctx = await esbuild.context({
  absWorkingDir: dir,
  entryPoints: ["main.js"],
  bundle: true,
  format: "iife",
  target: "es2020",
  outfile: "dist/videoroom.js",
  logLevel: "warning",
});
await ctx.rebuild();
const { hosts, port: actual } = await ctx.serve({ host: "127.0.0.1", port, servedir: dir });
console.log(`Serving the video room example on http://${hosts[0]}:${actual}/ (Ctrl-C stops)`);
const stop = () => ctx.dispose().finally(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
