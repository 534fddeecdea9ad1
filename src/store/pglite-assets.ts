import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** PGlite's engine and its file bundle, loaded ahead of `PGlite.create`. */
export interface PgliteAssets {
  pgliteWasmModule: WebAssembly.Module;
  fsBundle: Blob;
}

let assets: Promise<PgliteAssets> | undefined;

/**
 * Starts compiling PGlite's WebAssembly engine (9 MB) on V8's background threads and returns the
 * shared promise. PGlite alone reads and compiles it only once its JavaScript is loaded and running;
 * started first, the compile overlaps with module loading and with work the command does before it
 * needs the store (a dependency scan parses its lockfiles meanwhile). ADR 042.
 */
export function preparePglite(): Promise<PgliteAssets> {
  assets ??= load();
  return assets;
}

async function load(): Promise<PgliteAssets> {
  // The engine files sit next to PGlite's entry modules (dist/index.js and dist/index.cjs).
  const dist = dirname(
    createRequire(import.meta.url).resolve("@electric-sql/pglite"),
  );
  const compiling = WebAssembly.compile(
    readFileSync(join(dist, "pglite.wasm")),
  );
  const fsBundle = new Blob([readFileSync(join(dist, "pglite.data"))]);
  return { pgliteWasmModule: await compiling, fsBundle };
}
