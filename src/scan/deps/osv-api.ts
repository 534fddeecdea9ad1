import { AppError, messageOf } from "../../kernel/index.js";
import type { OsvRecord } from "./osv.js";

/** Options of the online OSV source (`--online`). */
export interface OsvApiOptions {
  /** `https://api.osv.dev` by default; tests point it at a loopback server. */
  baseUrl: string;
  timeoutMs?: number;
}

/** One package version to ask about. */
export interface OsvQuery {
  ecosystem: string;
  name: string;
  version: string;
}

const chunkSize = 1_000;

async function call(
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    throw new AppError(
      "EXTERNAL",
      `cannot reach the OSV API at ${new URL(url).origin}: ${messageOf(cause ?? error)}`,
      {
        cause: error,
      },
    );
  }
  if (!response.ok) {
    throw new AppError(
      "EXTERNAL",
      `the OSV API at ${new URL(url).origin} answered ${response.status} ${response.statusText}`,
    );
  }
  try {
    return await response.json();
  } catch (error) {
    throw new AppError(
      "EXTERNAL",
      `the OSV API at ${new URL(url).origin} sent invalid JSON`,
      { cause: error },
    );
  }
}

/**
 * Asks the OSV API which advisories affect these package versions (`POST /v1/querybatch`), then
 * fetches each record (`GET /v1/vulns/{id}`). Any network failure is one EXTERNAL error.
 */
export async function queryOsvApi(
  queries: OsvQuery[],
  options: OsvApiOptions,
): Promise<OsvRecord[]> {
  const timeout = options.timeoutMs ?? 15_000;
  const base = options.baseUrl.replace(/\/$/, "");
  const ids = new Set<string>();
  for (let i = 0; i < queries.length; i += chunkSize) {
    const chunk = queries.slice(i, i + chunkSize);
    const body = {
      queries: chunk.map((q) => ({
        package: { ecosystem: q.ecosystem, name: q.name },
        version: q.version,
      })),
    };
    const answer = (await call(
      `${base}/v1/querybatch`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      },
      timeout,
    )) as { results?: { vulns?: { id: string }[] }[] };
    for (const result of answer.results ?? [])
      for (const v of result.vulns ?? []) ids.add(v.id);
  }
  const records: OsvRecord[] = [];
  const list = [...ids];
  // A few requests at a time: polite to the API and still quick for a typical project.
  for (let i = 0; i < list.length; i += 8) {
    const batch = await Promise.all(
      list
        .slice(i, i + 8)
        .map((id) =>
          call(
            `${base}/v1/vulns/${encodeURIComponent(id)}`,
            { method: "GET" },
            timeout,
          ),
        ),
    );
    records.push(...(batch as OsvRecord[]));
  }
  return records;
}
