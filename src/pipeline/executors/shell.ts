/** How a `shell:` value becomes a command line; `{0}` stands for the script file. */
const known: Record<string, { command: string[]; extension: string }> = {
  bash: {
    command: ["bash", "--noprofile", "--norc", "-eo", "pipefail", "{0}"],
    extension: ".sh",
  },
  sh: { command: ["sh", "-e", "{0}"], extension: ".sh" },
  python: { command: ["python3", "{0}"], extension: ".py" },
  python3: { command: ["python3", "{0}"], extension: ".py" },
  node: { command: ["node", "{0}"], extension: ".mjs" },
};

/** The argv for a shell with the script path filled in, and the script file's extension. */
export function shellCommand(
  shell: string | undefined,
  scriptPath: string,
): { argv: [string, ...string[]]; extension: string } {
  const spec = (shell ?? "bash").trim();
  const builtin = known[spec];
  const template = builtin?.command ?? spec.split(/\s+/).filter(Boolean);
  const withScript = template.includes("{0}")
    ? template.map((part) => part.replaceAll("{0}", scriptPath))
    : [...template, scriptPath];
  const [program, ...args] = withScript;
  return {
    argv: [program ?? "bash", ...args],
    extension: builtin?.extension ?? ".sh",
  };
}

/** The script's file extension for a shell (before the path is known). */
export function scriptExtension(shell: string | undefined): string {
  return known[(shell ?? "bash").trim()]?.extension ?? ".sh";
}
