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
        .then(async () => {
          const app = import("../app.js");
          // On a fresh home the store's files are written while the app's modules load.
          if (!databaseUrl)
            (await import("../store/index.js")).prepareDataDir(
              embeddedDataDir(home),
            );
          return app;
        })
        .then(({ openApp }) => openApp({ home, databaseUrl }));
      return opened;
    },
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
