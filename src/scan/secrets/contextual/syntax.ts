import type { Syntax } from "./types.js";

const byExtension: Record<string, Syntax> = {
  env: "dotenv",
  sh: "shell",
  bash: "shell",
  zsh: "shell",
  ksh: "shell",
  bat: "shell",
  cmd: "shell",
  dockerfile: "shell",
  ini: "ini",
  cfg: "ini",
  conf: "ini",
  cnf: "ini",
  properties: "properties",
  yml: "yaml",
  yaml: "yaml",
  toml: "toml",
  tfvars: "toml",
  tf: "toml",
  hcl: "toml",
  json: "json",
  jsonc: "json",
  json5: "json",
  xml: "xml",
  config: "xml",
  html: "xml",
  htm: "xml",
  xhtml: "xml",
  plist: "xml",
  drawio: "xml",
  tm7: "xml",
  php: "php",
  py: "python",
  pyw: "python",
  ipynb: "json",
  js: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  jsx: "javascript",
  ts: "javascript",
  tsx: "javascript",
  mts: "javascript",
  cts: "javascript",
  vue: "javascript",
  map: "javascript",
  java: "java",
  kt: "java",
  kts: "java",
  scala: "java",
  groovy: "java",
  gradle: "java",
  go: "go",
  rb: "ruby",
  c: "c",
  h: "c",
  cc: "c",
  cpp: "c",
  hpp: "c",
  cs: "csharp",
  swift: "c",
  rs: "c",
  ps1: "powershell",
  psm1: "powershell",
  sql: "sql",
  md: "markdown",
  rst: "markdown",
};

const byName: Record<string, Syntax> = {
  dockerfile: "shell",
  makefile: "shell",
  ".bashrc": "shell",
  ".profile": "shell",
  ".zshrc": "shell",
  ".npmrc": "ini",
  ".pypirc": "ini",
  ".gitconfig": "ini",
  ".netrc": "text",
};

/** The syntax of a file by its name or extension (`.env.local` is dotenv; unknown is text). */
export function syntaxOf(path: string): Syntax {
  const name = (path.slice(path.lastIndexOf("/") + 1) || path).toLowerCase();
  const named = byName[name];
  if (named) return named;
  if (name === ".env" || name.startsWith(".env.") || name.endsWith(".env"))
    return "dotenv";
  const dot = name.lastIndexOf(".");
  return (dot > 0 && byExtension[name.slice(dot + 1)]) || "text";
}

/** Syntaxes where an unquoted value is code (a variable, a call), not a literal. */
export const codeSyntaxes: ReadonlySet<Syntax> = new Set<Syntax>([
  "php",
  "python",
  "javascript",
  "java",
  "go",
  "ruby",
  "c",
  "csharp",
]);
