import { execFile, execFileSync } from "node:child_process";
import { userInfo } from "node:os";
import type { CliContext } from "./context.js";

type Shell = Pick<CliContext, "cwd" | "env">;

/** Both keys in one git process (a spawn costs tens of milliseconds). */
const gitArgs = ["config", "--get-regexp", "^user\\.(name|email)$"];
const gitOptions = (ctx: Shell) => ({
  cwd: ctx.cwd,
  env: ctx.env,
  encoding: "utf8" as const,
  timeout: 5000,
});

/**
 * The actor recorded in the audit log for changes made from this shell: `$SLUICE_ACTOR`, else who
 * git says commits in the current folder (`Name <email>`, as git writes an author), else the
 * operating system's user.
 */
export function actorOf(ctx: Shell): string {
  if (ctx.env.SLUICE_ACTOR) return ctx.env.SLUICE_ACTOR;
  let config = "";
  try {
    config = execFileSync("git", gitArgs, {
      ...gitOptions(ctx),
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch {
    // no git, not set, or not readable: fall through
  }
  return actorFrom(ctx, config);
}

/** `actorOf` without blocking the thread while git runs (the local server, as it starts). */
export async function actorOfAsync(ctx: Shell): Promise<string> {
  if (ctx.env.SLUICE_ACTOR) return ctx.env.SLUICE_ACTOR;
  const config = await new Promise<string>((resolve) => {
    const child = execFile("git", gitArgs, gitOptions(ctx), (error, stdout) =>
      resolve(error ? "" : stdout),
    );
    child.stdin?.end();
  });
  return actorFrom(ctx, config);
}

/** The actor from `git config --get-regexp` output (the last value of a key wins, as git's). */
function actorFrom(ctx: Shell, config: string): string {
  const values: Record<string, string> = {};
  for (const line of config.split("\n")) {
    const space = line.indexOf(" ");
    if (space > 0) values[line.slice(0, space)] = line.slice(space + 1).trim();
  }
  const name = values["user.name"] ?? "";
  const email = values["user.email"] ?? "";
  if (name && email) return `${name} <${email}>`;
  if (name || email) return name || email;
  let osUser = "";
  try {
    osUser = userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers): the environment may still say.
  }
  return osUser || ctx.env.USER || ctx.env.LOGNAME || "cli";
}
