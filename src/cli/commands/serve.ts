import type { Command } from "commander";
import { AppError } from "../../kernel/index.js";
import type { CliContext } from "../context.js";
import { summaryOf } from "../command-summaries.js";

/** Default port of `sluice serve`. */
const defaultPort = 7700;

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command("serve")
    .description(summaryOf("serve"))
    .option("--port <n>", "TCP port (0 picks a free one)", String(defaultPort))
    .option("--host <h>", "interface to listen on", "127.0.0.1")
    .option(
      "--grace <duration>",
      "on SIGINT or SIGTERM, how long runs in flight may take to end before they are handed back to the next server (default: SLUICE_SERVER_GRACE, else 30s; a second signal hands them back at once)",
    )
    .action(async (options: { port: string; host: string; grace?: string }) => {
      const port = parsePort(options.port);
      const { graceOf, defaultGrace, stopRuns } =
        await import("../../server/index.js");
      const graceMs = graceOf(
        options.grace ?? ctx.env.SLUICE_SERVER_GRACE ?? defaultGrace,
      );
      // `sluice serve` takes the home's socket over from an idle on-demand server, whatever
      // the store (on Postgres nothing else would make that server let go).
      const { handBackLocalServer } = await import("../client/local-server.js");
      await handBackLocalServer(ctx.home);
      const app = await ctx.app();
      // The app's background work (rollouts left unfinished resumed, flag evaluation times,
      // flag set sync) runs while serving; closing the app stops it.
      app.startBackground();
      const [{ listen, listenOnSocket }, { localSocketPath }] =
        await Promise.all([
          import("../../server/index.js"),
          import("../../server/local/address.js"),
        ]);
      // Requests made with the admin token of server.json are audited as the user who started
      // the server (the only one who can read that file), as the local CLI names its actor.
      const { actorOf } = await import("../actor.js");
      let stopAsked!: (reason: string) => void;
      const asked = new Promise<string>((resolve) => (stopAsked = resolve));
      let inFlight = () => 0;
      const running = await listen(app, {
        port,
        host: options.host,
        adminName: actorOf(ctx),
        control: {
          mode: "serve",
          startedAt: new Date(),
          idleMs: undefined,
          inFlight: () => inFlight(),
          stop: stopAsked,
        },
      });
      // The same app answers the home's commands on the local socket (its peer is admin).
      const { storeOf } = await import("../../server/local/address.js");
      const socket = await listenOnSocket(
        running.server,
        localSocketPath(ctx.home),
        { store: storeOf(ctx.databaseUrl) },
      ).catch(async (error: unknown) => {
        await running.close();
        throw error;
      });
      inFlight = socket.inFlight;
      ctx.stdout(
        `sluice serve: listening on ${running.url} and ${socket.path}`,
      );
      // Runs a stopped server handed back go on here (ADR 106).
      await app.continueRuns();
      let off = () => {};
      const signals = new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          off();
          ctx.stderr(`sluice serve: ${signal}, shutting down`);
          resolve();
        };
        off = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      await Promise.race([
        signals,
        asked.then((reason) =>
          ctx.stderr(`sluice serve: ${reason}, shutting down`),
        ),
      ]);
      // The grace's own handlers are on before these go: a second signal never kills it.
      const stopping = stopRuns(app, graceMs, (line) =>
        ctx.stderr(`sluice serve: ${line}`),
      );
      off();
      await stopping;
      await socket.close();
      await running.close();
    });
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(port) || port > 65535)
    throw new AppError(
      "INVALID_ARGUMENT",
      `--port must be a number from 0 to 65535, got "${text}"`,
    );
  return port;
}
