import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AppError, ensureHome, messageOf } from "../../kernel/index.js";
import type { ServerClient } from "./server-client.js";
import { parseWithDates, problemError } from "./socket-http.js";

/** A server on another machine and the credential this CLI uses there. */
export interface RemoteTarget {
  /** Its base URL, no trailing slash (`https://sluice.example.com`). */
  url: string;
  /** An API token (`sluice_tok.…`). */
  token: string;
}

/** What `sluice login` keeps: `$SLUICE_HOME/login.json`, mode 0600. */
interface LoginFile {
  server: string;
  user: string;
  token: string;
  tokenId: string;
}

const loginFile = (home: string) => join(home, "login.json");

/** `https://host[:port][/base]` as given, checked and without a trailing slash. */
export function serverUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppError(
      "INVALID_ARGUMENT",
      `${JSON.stringify(text)} is not a server URL: give one such as https://sluice.example.com`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new AppError(
      "INVALID_ARGUMENT",
      `a server URL is http:// or https://, not ${url.protocol}`,
    );
  if (url.username || url.password || url.search || url.hash)
    throw new AppError(
      "INVALID_ARGUMENT",
      "a server URL holds no credentials, query or fragment: `sluice login` asks for them",
    );
  return url.href.replace(/\/+$/, "");
}

/**
 * The remote server the CLI talks to, if any: `SLUICE_SERVER` (with `SLUICE_TOKEN`, else the
 * token `sluice login` stored for that same server), else the server of `sluice login`.
 * Undefined: commands use the local server of `$SLUICE_HOME`.
 */
export function remoteTarget(
  home: string,
  env: NodeJS.ProcessEnv,
): RemoteTarget | undefined {
  const stored = readLogin(home);
  const named = env.SLUICE_SERVER || undefined;
  if (named === undefined) {
    if (stored === undefined) return undefined;
    return { url: stored.server, token: env.SLUICE_TOKEN || stored.token };
  }
  const url = serverUrl(named);
  const token =
    env.SLUICE_TOKEN || (stored?.server === url ? stored.token : undefined);
  if (token === undefined)
    throw new AppError(
      "UNAUTHENTICATED",
      `SLUICE_SERVER is ${url}, and there is no token for it: run \`sluice login ${url}\`, or set SLUICE_TOKEN`,
    );
  return { url, token };
}

function readLogin(home: string): LoginFile | undefined {
  const path = loginFile(home);
  if (!existsSync(path)) return undefined;
  try {
    const login = JSON.parse(readFileSync(path, "utf8")) as Partial<LoginFile>;
    if (
      typeof login.server === "string" &&
      typeof login.token === "string" &&
      typeof login.user === "string" &&
      typeof login.tokenId === "string"
    )
      return login as LoginFile;
  } catch {
    // described below
  }
  throw new AppError(
    "CONFIG_INVALID",
    `${path} is not a login sluice wrote: remove it, or run \`sluice logout\` and \`sluice login\` again`,
  );
}

/** Keeps a login (mode 0600: the token is a credential). */
export function saveLogin(home: string, login: LoginFile): void {
  ensureHome(home);
  const path = loginFile(home);
  rmSync(path, { force: true });
  writeFileSync(path, `${JSON.stringify(login, null, 2)}\n`, {
    mode: 0o600,
    flag: "wx",
  });
}

/** Forgets the login; answers what it was, to revoke its token. */
export function forgetLogin(home: string): LoginFile | undefined {
  let login: LoginFile | undefined;
  try {
    login = readLogin(home);
  } catch {
    login = undefined;
  }
  rmSync(loginFile(home), { force: true });
  return login;
}

/**
 * A client of a remote server's HTTP API with a bearer credential (`fetch`, so https works as
 * http does). A problem answer throws its AppError; a server that cannot be reached is one line.
 */
export function remoteClient(
  url: string,
  credential: { token?: string; cookie?: string; csrfToken?: string },
): ServerClient & {
  /** The raw answer, for a caller that reads its headers (sign-in's cookie). */
  fetch(method: string, path: string, body?: unknown): Promise<Response>;
} {
  const headers = (json: boolean): Record<string, string> => ({
    ...(credential.token
      ? { authorization: `Bearer ${credential.token}` }
      : {}),
    ...(credential.cookie ? { cookie: credential.cookie } : {}),
    ...(credential.csrfToken ? { "x-csrf-token": credential.csrfToken } : {}),
    ...(json ? { "content-type": "application/json" } : {}),
  });
  async function send(
    method: string,
    path: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<Response> {
    try {
      return await fetch(`${url}${path}`, {
        method,
        headers: headers(body !== undefined),
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      const cause = (error as { cause?: unknown }).cause;
      throw new AppError(
        "STORE_UNAVAILABLE",
        `cannot reach the server ${url}: ${messageOf(cause ?? error)}`,
      );
    }
  }
  async function checked(response: Response): Promise<Response> {
    if (response.ok) return response;
    const body = await response.text();
    throw problemError({ status: response.status, body }, url);
  }
  return {
    fetch: (method, path, body) => send(method, path, body),
    async json<T>(method: "GET" | "POST", path: string, body?: unknown) {
      const response = await checked(await send(method, path, body));
      return parseWithDates<T>(await response.text());
    },
    async lines(path, onLine, signal) {
      const response = await checked(
        await send("GET", path, undefined, signal),
      );
      if (!response.body) return;
      const decoder = new TextDecoder();
      const reader = response.body.getReader();
      let rest = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        rest += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = rest.indexOf("\n")) >= 0) {
          const line = rest.slice(0, end);
          rest = rest.slice(end + 1);
          if (line) await onLine(line);
        }
      }
    },
  };
}
