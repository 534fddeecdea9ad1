import { homedir } from "node:os";
import { join } from "node:path";
import { embeddedDataDir } from "../kernel/index.js";
import type { App } from "../app.js";
import { preparePglite } from "../store/pglite-assets.js";

/** What every command gets: the environment, read once here, and a lazily opened App. */
export interface CliContext {
  /** `$SLUICE_HOME`, default `~/.local/share/sluice`. */
  home: string;
  databaseUrl: string | undefined;
  /** Colour and live progress only when stdout is a terminal. */
  isTty: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Opens the App on first use (stores, services); closed by main after the command. */
  app(): Promise<App>;
  /**
   * Begins what opening the embedded store does first, before the App's modules load: the
   * folder's lock and, on a fresh home, the template's files (`prepareDataDir`). `app()` does
   * it too; the local server calls it first, so the writing overlaps all of its loading.
   */
  prepareStore(): Promise<void>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Prints a value as one JSON document. */
  json(value: unknown): void;
}

export function createCliContext(
  env: NodeJS.ProcessEnv = process.env,
): CliContext & { closeApp(): Promise<void> } {
  const home =
    env.SLUICE_HOME ||
    join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "sluice");
  const databaseUrl = env.SLUICE_DATABASE_URL || undefined;
  let opened: Promise<App> | undefined;
  let preparing: Promise<void> | undefined;
  const prepareStore = () =>
    (preparing ??= databaseUrl
      ? Promise.resolve()
      : import("../store/index.js").then(({ prepareDataDir }) =>
          prepareDataDir(embeddedDataDir(home)),
        ));
  return {
    home,
    databaseUrl,
    isTty: Boolean(process.stdout.isTTY),
    cwd: process.cwd(),
    env,
    app() {
      // The embedded engine compiles in the background while the app's modules load (ADR 042).
      if (!opened && !databaseUrl) preparePglite().catch(() => {});
      // Only one process opens an embedded store: an idle local server hands it back first.
      opened ??= (
        databaseUrl
          ? Promise.resolve()
          : import("./client/local-server.js").then(({ handBackLocalServer }) =>
              handBackLocalServer(home),
            )
      )
        // The store's few modules first, so that its files are written while the app's load.
        .then(prepareStore)
        .then(() => import("../app.js"))
        .then(({ openApp }) => openApp({ home, databaseUrl }));
      return opened;
    },
    prepareStore,
    async closeApp() {
      if (!opened) return;
      const app = await opened.catch(() => undefined);
      await app?.close();
    },
    stdout: (text) =>
      void process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    stderr: (text) =>
      void process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
    json: (value) =>
      void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  };
}

export { resolveProject } from "../config/project.js";
