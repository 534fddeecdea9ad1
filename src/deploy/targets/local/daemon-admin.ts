import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError, messageOf } from "../../../kernel/index.js";
import type { LocalTargetDaemon, ReleaseRequest } from "./daemon.js";
import type { RouteRequest } from "./daemon-state.js";

/** What the admin API drives: the daemon's release, route and shutdown verbs, and its proxy's metrics. */
export type AdminDaemon = Pick<
  LocalTargetDaemon,
  | "state"
  | "startRelease"
  | "adopt"
  | "stopRelease"
  | "setRoutes"
  | "shutdown"
  | "proxy"
>;

/**
 * Answers one request to the daemon's admin API (127.0.0.1, bearer `token`): JSON in and out,
 * CONFLICT as 409 and INVALID_ARGUMENT as 400, anything else 500.
 */
export async function handleAdmin(
  daemon: AdminDaemon,
  token: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  if (req.headers.authorization !== `Bearer ${token}`)
    return send(401, { error: "unauthorized" });
  try {
    const url = new URL(req.url ?? "/", "http://daemon");
    const parts = url.pathname.split("/").filter(Boolean);
    const body =
      req.method === "GET" || req.method === "DELETE"
        ? undefined
        : await readJson(req);
    if (req.method === "GET" && url.pathname === "/state")
      return send(200, daemon.state());
    if (req.method === "POST" && url.pathname === "/releases")
      return send(202, await daemon.startRelease(body as ReleaseRequest));
    if (
      req.method === "POST" &&
      parts[0] === "releases" &&
      parts[2] === "adopt"
    )
      return send(200, {
        adopted: await daemon.adopt(
          body as ReleaseRequest & { pid: number; port: number },
        ),
      });
    if (req.method === "DELETE" && parts[0] === "releases" && parts[1]) {
      const grace = url.searchParams.get("grace");
      await daemon.stopRelease(
        decodeURIComponent(parts[1]),
        grace ? Number(grace) : undefined,
      );
      return send(200, { stopped: true });
    }
    if (req.method === "PUT" && url.pathname === "/routes") {
      daemon.setRoutes(body as RouteRequest);
      return send(200, daemon.state().routes);
    }
    if (req.method === "GET" && parts[0] === "metrics" && parts[1]) {
      const from = Number(url.searchParams.get("from") ?? 0);
      const to = Number(url.searchParams.get("to") ?? Date.now());
      return send(
        200,
        daemon.proxy.ring(decodeURIComponent(parts[1])).window(from, to),
      );
    }
    if (req.method === "POST" && url.pathname === "/shutdown") {
      send(200, { stopping: true });
      void daemon.shutdown();
      return;
    }
    send(404, { error: `no route ${req.method} ${url.pathname}` });
  } catch (error) {
    const code = error instanceof AppError ? error.code : "INTERNAL";
    send(code === "CONFLICT" ? 409 : code === "INVALID_ARGUMENT" ? 400 : 500, {
      error: messageOf(error),
      code,
    });
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return text ? JSON.parse(text) : {};
  } catch (error) {
    throw new AppError("INVALID_ARGUMENT", "the body is not JSON", {
      cause: error,
    });
  }
}
