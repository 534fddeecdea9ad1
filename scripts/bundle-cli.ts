// Writes dist/bundle/: the CLI (dist/cli/main.js and every module it imports, the command groups it
// loads on demand as chunks) as a few files, which bin/sluice.js runs (ADR 108). Node loads an ES
// module at about a millisecond apiece on these machines; `sluice scan secrets --staged` loaded
// 109 of ours and the local server 326, most of their start-up.
// Runs after tsc in `npm run build`: it bundles the built JavaScript, not the sources.
import { readFile, rm } from "node:fs/promises";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Plugin } from "esbuild";

const dist = fileURLToPath(new URL("../dist", import.meta.url));
const out = `${dist}/bundle`;

/**
 * In the bundle, `import.meta.url` keeps naming the module's own file in dist/: every path a
 * module finds relative to itself (package.json, the migrations, the database template, the scan
 * worker, the step spawner, the deploy daemon) resolves as it does unbundled. The chunks sit
 * flat in dist/bundle/, one folder below dist/.
 */
const ownUrl: Plugin = {
  name: "own-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      const text = await readFile(args.path, "utf8");
      if (!text.includes("import.meta.url")) return { contents: text };
      const own = `../${relative(dist, args.path).split("\\").join("/")}`;
      return {
        contents: text.replaceAll(
          "import.meta.url",
          `new URL(${JSON.stringify(own)}, import.meta.url).href`,
        ),
      };
    });
  },
};

await rm(out, { recursive: true, force: true });
await build({
  entryPoints: { main: `${dist}/cli/main.js` },
  bundle: true,
  // The command groups are imported on demand; each stays a chunk of its own.
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outdir: out,
  chunkNames: "[name]-[hash]",
  // Packages are loaded from node_modules as before.
  packages: "external",
  plugins: [ownUrl],
  logLevel: "warning",
});
console.log(`wrote ${relative(process.cwd(), out)}/`);
