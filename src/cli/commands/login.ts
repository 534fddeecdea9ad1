import { hostname } from "node:os";
import type { Command } from "commander";
import { AppError, parseDuration } from "../../kernel/index.js";
import type { CliContext } from "../context.js";
import type { remoteClient } from "../client/remote-server.js";
import { summaryOf } from "../command-summaries.js";

type RemoteClientOf = typeof remoteClient;

interface LoginOptions {
  user?: string;
  tokenStdin?: boolean;
  expires: string;
}

const dayMs = 86_400_000;

/**
 * `sluice login URL` and `sluice logout`: the CLI's credential for a remote server (ADR 099).
 * A sign-in with a password makes an API token (its roles the user's, as `POST /api/v1/tokens`
 * gives by default) and ends the session; only the token is kept, in `$SLUICE_HOME/login.json`
 * (mode 0600). `--token-stdin` keeps a token made elsewhere (`sluice tokens create`).
 */
export function registerLogin(program: Command, ctx: CliContext): void {
  program
    .command("login")
    .argument("<url>", "the server, e.g. https://sluice.example.com")
    .option("--user <name>", "your account on the server (default: $USER)")
    .option(
      "--token-stdin",
      "keep an API token read from standard input instead of signing in with a password",
    )
    .option(
      "--expires <duration>",
      "lifetime of the token a sign-in makes, at most 366 days",
      "90d",
    )
    .description(summaryOf("login"))
    .addHelpText(
      "after",
      "\nThe password is used once, to make an API token with your roles; only the token is kept\n" +
        "($SLUICE_HOME/login.json, readable by you only). SLUICE_SERVER and SLUICE_TOKEN, when set,\n" +
        "take precedence. `sluice logout` revokes the token and forgets the server.",
    )
    .action(async (text: string, options: LoginOptions) => {
      const [
        { forgetLogin, remoteClient, saveLogin, serverUrl },
        { readSecretValue },
      ] = await Promise.all([
        import("../client/remote-server.js"),
        import("./secrets-input.js"),
      ]);
      const url = serverUrl(text);
      const ms = parseDuration(options.expires);
      if (ms === undefined || ms <= 0 || ms > 366 * dayMs)
        throw new AppError(
          "INVALID_ARGUMENT",
          `--expires wants a duration of at most 366 days, such as 30d, not ${JSON.stringify(options.expires)}`,
        );
      if (!isPrivate(url))
        ctx.stderr(
          `sluice: warning: ${url} is plain http: the password and the token travel unencrypted`,
        );
      let login: { user: string; token: string; tokenId: string };
      if (options.tokenStdin) {
        const token = await readSecretValue("the API token");
        const whoami = await remoteClient(url, { token }).json<{
          actor: string;
        }>("GET", "/api/v1/auth/whoami");
        login = { user: whoami.actor, token, tokenId: tokenIdOf(token) };
      } else {
        const user = options.user ?? ctx.env.USER;
        if (!user)
          throw new AppError(
            "INVALID_ARGUMENT",
            "name your account on the server: --user NAME",
          );
        const password = await readSecretValue(`the password of ${user}`);
        login = await signIn(url, user, password, ms, remoteClient);
      }
      const previous = forgetLogin(ctx.home);
      saveLogin(ctx.home, { server: url, ...login });
      // A second login replaces the first: its token is revoked, not left to expire.
      if (previous?.server === url && previous.tokenId !== login.tokenId)
        await remoteClient(url, { token: login.token })
          .json(
            "POST",
            `/api/v1/tokens/${encodeURIComponent(previous.tokenId)}/revoke`,
            {},
          )
          .catch(() => undefined);
      ctx.stdout(
        `logged in to ${url} as ${login.user}: \`sluice run\` runs there now (\`sluice logout\` to run here)`,
      );
    });

  program
    .command("logout")
    .description(summaryOf("logout"))
    .action(async () => {
      const { forgetLogin, remoteClient } =
        await import("../client/remote-server.js");
      const login = forgetLogin(ctx.home);
      if (!login) {
        ctx.stdout("not logged in to a server");
        return;
      }
      try {
        await remoteClient(login.server, { token: login.token }).json(
          "POST",
          `/api/v1/tokens/${encodeURIComponent(login.tokenId)}/revoke`,
          {},
        );
        ctx.stdout(`logged out of ${login.server}; its token is revoked`);
      } catch (error) {
        ctx.stdout(`logged out of ${login.server}`);
        ctx.stderr(
          `sluice: warning: the token ${login.tokenId} could not be revoked (${(error as Error).message}); it expires by itself, or revoke it there`,
        );
      }
    });
}

/** Signs in, makes a token with the user's roles, and signs out again. */
async function signIn(
  url: string,
  user: string,
  password: string,
  expiresMs: number,
  remoteClient: RemoteClientOf,
): Promise<{ user: string; token: string; tokenId: string }> {
  // The session cookie comes back in Set-Cookie; a CLI is no browser, so it sends it itself.
  const response = await remoteClient(url, {}).fetch(
    "POST",
    "/api/v1/auth/login",
    { name: user, password },
  );
  if (!response.ok) {
    const { problemError } = await import("../client/socket-http.js");
    throw problemError(
      { status: response.status, body: await response.text() },
      url,
    );
  }
  const session = response.headers
    .getSetCookie()
    .map((value) => value.split(";")[0]!)
    .find((value) => value.startsWith("sluice_session="));
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  if (session === undefined)
    throw new AppError("INTERNAL", `${url} did not give a session`);
  const signedIn = remoteClient(url, { cookie: session, csrfToken });
  try {
    const created = await signedIn.json<{ id: string; token: string }>(
      "POST",
      "/api/v1/tokens",
      {
        name: `sluice login on ${hostname()}`,
        expiresInDays: expiresMs / dayMs,
      },
    );
    return { user, token: created.token, tokenId: created.id };
  } finally {
    await signedIn
      .json("POST", "/api/v1/auth/logout", {})
      .catch(() => undefined);
  }
}

/** `sluice_tok.<id>.<secret>`: the id, to revoke it at logout. */
function tokenIdOf(token: string): string {
  const id = /^sluice_tok\.([^.]+)\./.exec(token)?.[1];
  if (id === undefined)
    throw new AppError(
      "INVALID_ARGUMENT",
      "that is not a sluice API token (sluice_tok.…): make one with `sluice tokens create`",
    );
  return id;
}

/** https, or http to this machine: nothing crosses a network in the clear. */
function isPrivate(url: string): boolean {
  const { protocol, hostname: host } = new URL(url);
  return (
    protocol === "https:" ||
    host === "localhost" ||
    host === "127.0.0.1" ||
    host === "[::1]"
  );
}
