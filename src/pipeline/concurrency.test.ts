import { describe, expect, it } from "vitest";
import { ConcurrencyGroups } from "./concurrency.js";

const never = new AbortController().signal;

describe("ConcurrencyGroups", () => {
  it("lets one job run per group, queues one, and the newest pending wins", async () => {
    const groups = new ConcurrencyGroups();
    const cancels: string[] = [];
    const opts = (name: string) => ({
      cancelInProgress: false,
      onCancel: () => cancels.push(name),
      signal: never,
    });
    const first = await groups.acquire("deploy", opts("first"));
    const second = groups.acquire("deploy", opts("second"));
    const third = groups.acquire("deploy", opts("third"));
    expect(await second).toBe("superseded");
    const other = await groups.acquire("other", opts("other"));
    expect(typeof other).toBe("object");
    expect(typeof first).toBe("object");
    if (typeof first !== "object") return;
    first.release();
    const lease = await third;
    expect(typeof lease).toBe("object");
    expect(cancels).toEqual([]);
  });

  it("cancel-in-progress cancels the running job", async () => {
    const groups = new ConcurrencyGroups();
    const cancels: string[] = [];
    const first = await groups.acquire("g", {
      cancelInProgress: false,
      onCancel: () => cancels.push("first"),
      signal: never,
    });
    const second = groups.acquire("g", {
      cancelInProgress: true,
      onCancel: () => cancels.push("second"),
      signal: never,
    });
    expect(cancels).toEqual(["first"]);
    if (typeof first === "object") first.release();
    expect(typeof (await second)).toBe("object");
  });

  it("a waiting request is withdrawn when its run is cancelled", async () => {
    const groups = new ConcurrencyGroups();
    await groups.acquire("g", {
      cancelInProgress: false,
      onCancel: () => {},
      signal: never,
    });
    const controller = new AbortController();
    const waiting = groups.acquire("g", {
      cancelInProgress: false,
      onCancel: () => {},
      signal: controller.signal,
    });
    controller.abort();
    expect(await waiting).toBe("cancelled");
  });
});
