import { spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { AppError, messageOf } from "../../kernel/index.js";
import type { CliContext } from "../context.js";
import { resolveProject } from "../context.js";
import type { SecretsClient } from "./secrets-client.js";

/**
 * `sluice secrets exec --env ENV -- CMD …`: runs CMD with the secrets the environment sees as
 * environment variables (an audited read), its output masked as a step's log is: every value in
 * its raw, base64, URL and JSON forms, across chunk boundaries, and credentials nobody declared.
 * Exits with CMD's exit code.
 */
export async function execWithSecrets(
  ctx: CliContext,
  command: string[],
  options: { project?: string; env?: string },
  secrets: SecretsClient,
): Promise<void> {
  const [file, ...args] = command;
  if (!file)
    throw new AppError(
      "INVALID_ARGUMENT",
      "name a command after --: sluice secrets exec --env ENV -- CMD [ARGS…]",
    );
  // Read through the home's server: no store is held while CMD runs, which may be another
  // sluice command.
  const values = await secrets.values({
    project: resolveProject(ctx.cwd, options.project).name,
    environment: options.env,
  });
  const [{ Masker, MaskingStream }, { secrets: scanSecrets }] =
    await Promise.all([
      import("../../pipeline/index.js"),
      import("../../scan/index.js"),
    ]);
  const masker = new Masker({
    credentials: scanSecrets.createCredentialFinder(),
  });
  for (const value of values.values()) masker.add(value);

  const env: NodeJS.ProcessEnv = { ...ctx.env, ...Object.fromEntries(values) };
  // The key that decrypts the secrets is not the command's business.
  delete env.SLUICE_AGE_IDENTITY;
  const child = spawn(file, args, {
    cwd: ctx.cwd,
    env,
    stdio: ["inherit", "pipe", "pipe"],
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward("SIGINT");
  const onTerm = forward("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  const pipes = [
    pipeMasked(child.stdout, process.stdout, new MaskingStream(masker)),
    pipeMasked(child.stderr, process.stderr, new MaskingStream(masker)),
  ];
  try {
    const code = await new Promise<number>((resolve, reject) => {
      child.once("error", (error) =>
        reject(
          new AppError(
            "INVALID_ARGUMENT",
            `cannot run ${file}: ${messageOf(error)}`,
            { cause: error },
          ),
        ),
      );
      child.once("close", (status, signal) =>
        resolve(status ?? 128 + (signal ? (osSignals[signal] ?? 1) : 1)),
      );
    });
    await Promise.all(pipes);
    process.exitCode = code;
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
}

const osSignals: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGKILL: 9,
  SIGTERM: 15,
};

/** Copies `from` to `to` through the masking stream; resolves once everything is written. */
function pipeMasked(
  from: Readable,
  to: Writable,
  stream: { push(text: string): string; flush(): string },
): Promise<void> {
  from.setEncoding("utf8");
  return new Promise((resolve) => {
    from.on("data", (text: string) => {
      const out = stream.push(text);
      if (out) to.write(out);
    });
    from.once("end", () => {
      const rest = stream.flush();
      if (rest) to.write(rest, () => resolve());
      else resolve();
    });
  });
}
