import js from "@eslint/js";
import tseslint from "typescript-eslint";

import { dirname, join, relative, resolve, sep } from "node:path";
import { createNodeResolver, importX } from "eslint-plugin-import-x";

const src = resolve(import.meta.dirname, "src");
/** The edges: they wire the capabilities together and may import app.ts; nothing imports them back. */
const edges = new Set(["cli", "server", "web", "(root)"]);

/**
 * Files an edge may import besides a capability's index.ts: each one is small and sits on a path
 * where loading the whole index would cost start-up time (every CLI command, a pre-commit hook,
 * config load). Keep this list short; a capability imports another only through its index.ts.
 */
const lightEntries = {
  scan: [
    "finding.js", // severities and the default --fail-on, at CLI start-up
    "report/types.js", // the report formats, at CLI start-up
    "step-input.js", // the scan step's input check, at config load
    "step.js", // the scan step, loaded on its first use
    "report/index.js", // a scan command loads only the scanner it runs and the reports
    "secrets/index.js",
    "deps/index.js",
    "hooks/index.js",
    "deps/advisory-file.js", // scan deps reads the advisory file without the database
  ],
  pipeline: [
    "registry.js", // the step registry, at every app start
    "queue/runtime.js", // the queue (pg-boss), only when a run starts
    "store.js", // the run store, at every app start (the index loads the engine)
    "run-status.js", // the run statuses `sluice runs --status` lists, at CLI start-up
    "logs/terminal.js", // the terminal views of a run that `sluice run` follows in the server
  ],
  config: [
    "project.js", // the project rule of every command (and of the server's runs), at CLI start-up
  ],
  store: [
    "pglite-assets.js", // the PGlite warm-up, at CLI start-up
  ],
  server: [
    "local/address.js", // the local server's socket and version, for every client command
  ],
};

/** The top folder of src/ a path is in ("(root)" for src/app.ts and its neighbours), or undefined. */
function areaOf(path) {
  const parts = relative(src, path).split(sep);
  if (parts[0] === ".." || parts[0] === "") return undefined;
  return parts.length > 1 ? parts[0] : "(root)";
}

/**
 * Capabilities (and kernel) import each other only through their index.ts, and never the edges;
 * the edges (cli/, server/, app.ts) reach a capability only through its index.ts too. Static
 * imports, `export … from` and literal `import()` alike.
 */
const boundaries = {
  meta: { type: "problem", schema: [] },
  create(context) {
    const file = context.physicalFilename;
    const area = areaOf(file);
    if (area === undefined) return {};
    const web = resolve(src, "..", "web");
    const check = (node) => {
      const source = node.source;
      if (source?.type !== "Literal" || typeof source.value !== "string")
        return;
      if (!source.value.startsWith(".")) return;
      const target = resolve(dirname(file), source.value);
      const targetArea = target.startsWith(web + sep) ? "web" : areaOf(target);
      if (targetArea === undefined || targetArea === area) return;
      if (!edges.has(area) && edges.has(targetArea)) {
        context.report({
          node: source,
          message: `Capabilities never import cli/, server/, web/ or app.ts (${source.value}).`,
        });
      } else if (
        targetArea !== "(root)" &&
        relative(src, target) !== join(targetArea, "index.js") &&
        !(
          edges.has(area) &&
          lightEntries[targetArea]?.some(
            (entry) => relative(src, target) === join(targetArea, entry),
          )
        )
      ) {
        context.report({
          node: source,
          message: `Import ${targetArea} only through its index.ts, not ${source.value}.`,
        });
      }
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

/**
 * Only store files talk to the database: `src/store/` (open, migrations, shared helpers) and each
 * capability's `src/<capability>/store*.ts` (its store, its tables, their tests). Everything else
 * reaches data through a store's port, so no query hides in a service, a route or a command.
 */
const drizzleInStores = {
  meta: { type: "problem", schema: [] },
  create(context) {
    const parts = relative(src, context.physicalFilename).split(sep);
    if (parts[0] === ".." || parts[0] === "") return {};
    const storeFile =
      parts[0] === "store" ||
      (parts.length === 2 && /^store[-.]/.test(parts[1]));
    if (storeFile) return {};
    const check = (node) => {
      const source = node.source;
      if (source?.type !== "Literal" || typeof source.value !== "string")
        return;
      if (!/^drizzle-(orm|kit)(\/|$)/.test(source.value)) return;
      context.report({
        node: source,
        message: `Only store files (src/<capability>/store*.ts, src/store/) import ${source.value}: put the query in the capability's store.`,
      });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

// eslint reads its config from the default export.
// eslint-disable-next-line no-restricted-syntax
export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "web/dist/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: "readonly", console: "readonly", URL: "readonly" },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "no-restricted-syntax": [
        "error",
        { selector: "ExportDefaultDeclaration", message: "Use named exports." },
      ],
    },
  },
  {
    files: ["src/**/*.ts"],
    plugins: {
      sluice: { rules: { boundaries, "drizzle-in-stores": drizzleInStores } },
      "import-x": importX,
    },
    settings: {
      "import-x/resolver-next": [
        createNodeResolver({
          extensions: [".ts", ".js", ".json"],
          extensionAlias: { ".js": [".ts", ".js"] },
        }),
      ],
      "import-x/extensions": [".ts", ".js"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
    },
    rules: {
      "sluice/boundaries": "error",
      "sluice/drizzle-in-stores": "error",
      // Type-only imports are erased (verbatimModuleSyntax), so they make no cycle.
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
    },
  },
);
