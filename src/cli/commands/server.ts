import type { Command } from "commander";
import {
  AppError,
  durationHint,
  formatDuration,
  parseDuration,
} from "../../kernel/index.js";
import type { CliContext } from "../context.js";
import { summaryOf } from "../command-summaries.js";

/** Idle time of an on-demand local server when neither --idle nor SLUICE_SERVER_IDLE says. */
const defaultIdle = "10m";

export function registerServer(program: Command, ctx: CliContext): void {
  const server = program
    .command("server")
    .description(summaryOf("server"))
    .addHelpText(
      "after",
      "\nA command that needs the store (runs, logs) talks to the local server on the Unix socket\n" +
        "$SLUICE_HOME/server.sock (mode 0600, no network port), starting it in the background when\n" +
        "none answers; it logs to $SLUICE_HOME/server.log and exits after an idle time\n" +
        `(--idle or SLUICE_SERVER_IDLE, default ${defaultIdle}). A socket left by a dead server, or a\n` +
        "server of another sluice version, is replaced by the next command.",
    );

  server
    .command("status")
    .description(
      "whether the local server runs: pid, version, idle time, socket",
    )
    .option("--json", "print the status as JSON")
    .action(async (options: { json?: boolean }) => {
      const [{ probe }, { localSocketPath }] = await Promise.all([
        import("../client/local-server.js"),
        import("../../server/local/address.js"),
      ]);
      const socketPath = localSocketPath(ctx.home);
      const status = await probe(socketPath);
      if (options.json) {
        ctx.json(
          status
            ? { running: true, socketPath, ...status }
            : { running: false, socketPath },
        );
        return;
      }
      if (!status) {
        ctx.stdout(`no local server runs for ${ctx.home}`);
        return;
      }
      ctx.stdout(
        [
          `local server: pid ${status.pid}, sluice ${status.version}, ${status.mode}`,
          `socket: ${socketPath}`,
          status.startedAt ? `started: ${status.startedAt}` : undefined,
          status.idleMs !== null
            ? `exits after ${formatDuration(status.idleMs)} without requests`
            : undefined,
        ]
          .filter(Boolean)
          .join("\n"),
      );
    });

  server
    .command("stop")
    .description(
      "stop the local server (runs in flight get its grace period to end, then are handed back to the next server)",
    )
    .action(async () => {
      const [{ probe, stopServer }, { localSocketPath }] = await Promise.all([
        import("../client/local-server.js"),
        import("../../server/local/address.js"),
      ]);
      const socketPath = localSocketPath(ctx.home);
      const status = await probe(socketPath);
      if (!status) {
        ctx.stdout(`no local server runs for ${ctx.home}`);
        return;
      }
      await stopServer(socketPath, status);
      ctx.stdout(`stopped the local server (pid ${status.pid})`);
    });

  server
    .command("start")
    .description("start the local server in the background unless it runs")
    .action(async () => {
      const [{ ensureServer }, { localSocketPath }] = await Promise.all([
        import("../client/local-server.js"),
        import("../../server/local/address.js"),
      ]);
      const status = await ensureServer(ctx);
      ctx.stdout(
        `local server: pid ${status.pid}, socket ${localSocketPath(ctx.home)}`,
      );
    });

  server
    .command("run")
    .description(
      "run the local server in the foreground (what a command starts in the background)",
    )
    .option(
      "--idle <duration>",
      `exit after this long without requests (default: SLUICE_SERVER_IDLE, else ${defaultIdle})`,
    )
    .option(
      "--grace <duration>",
      "on stop, how long runs in flight may take to end before they are handed back to the next server (default: SLUICE_SERVER_GRACE, else 30s)",
    )
    .action(async (options: { idle?: string; grace?: string }) => {
      const idleMs = idleOf(
        options.idle ?? ctx.env.SLUICE_SERVER_IDLE ?? defaultIdle,
      );
      // The server owns the home while it runs: what it creates there (PGlite's files among
      // them, which follow the process umask) is private to the user, as Postgres does.
      process.umask(0o077);
      // On a fresh home the store's files are written while everything below loads.
      await ctx.prepareStore();
      // The store opens, git says who owns the socket, and the server's modules load, all at
      // once: on a fresh home a command waits for them.
      const opening = ctx.app();
      opening.catch(() => {}); // met where it is awaited, below
      const adminName = import("../actor.js").then(({ actorOfAsync }) =>
        actorOfAsync(ctx),
      );
      const { graceOf, defaultGrace, stopRuns, startLocalServer } =
        await import("../../server/index.js");
      const graceMs = graceOf(
        options.grace ?? ctx.env.SLUICE_SERVER_GRACE ?? defaultGrace,
      );
      const app = await opening;
      const { storeOf } = await import("../../server/local/address.js");
      const local = await startLocalServer(app, {
        idleMs,
        adminName: await adminName,
        store: storeOf(ctx.databaseUrl),
      });
      // Not app.startBackground(): rollouts resume and flag timers run under `sluice serve`;
      // this server answers commands and exits when they are done.
      ctx.stderr(
        `sluice server: pid ${process.pid} listening on ${local.socketPath}, exits after ${formatDuration(idleMs)} idle`,
      );
      const onSignal = (signal: NodeJS.Signals) => stopWith(signal);
      let stopWith!: (reason: string) => void;
      const signalled = new Promise<string>((resolve) => (stopWith = resolve));
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      // Runs a stopped server handed back go on here (ADR 106).
      await app.continueRuns();
      const reason = await Promise.race([local.stopped, signalled]);
      const tell = (line: string) =>
        ctx.stderr(`sluice server: pid ${process.pid} ${line}`);
      tell(`stopping (${reason})`);
      // The grace's own handlers are on before these go: a second signal never kills it.
      const stopping = stopRuns(app, graceMs, tell);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await stopping;
      await local.close();
      // main closes the App (the store) after this returns.
    });
}

function idleOf(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < 1)
    throw new AppError(
      "INVALID_ARGUMENT",
      `the idle time must be ${durationHint}, got "${text}"`,
    );
  return ms;
}
