import { execFileSync } from "node:child_process";
import { userInfo } from "node:os";
import type { CliContext } from "./context.js";

/**
 * The actor recorded in the audit log for changes made from this shell: `$SLUICE_ACTOR`, else who
 * git says commits in the current folder (`Name <email>`, as git writes an author), else the
 * operating system's user.
 */
export function actorOf(ctx: Pick<CliContext, "cwd" | "env">): string {
  if (ctx.env.SLUICE_ACTOR) return ctx.env.SLUICE_ACTOR;
  const git = (key: string): string => {
    try {
      return execFileSync("git", ["config", "--get", key], {
        cwd: ctx.cwd,
        env: ctx.env,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
        timeout: 5000,
      }).trim();
    } catch {
      return ""; // no git, not set, or not readable: fall through
    }
  };
  const name = git("user.name");
  const email = git("user.email");
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
