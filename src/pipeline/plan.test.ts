import { describe, expect, it } from "vitest";
import { pipeline } from "./engine.testkit.js";
import type { Matrix } from "../config/index.js";
import { expandMatrix } from "./matrix.js";
import { plan } from "./plan.js";

const push = { event: "push" as const, branch: "Main", commit: "abc" };
const step = [{ run: "true" }];

describe("expandMatrix", () => {
  it.each([
    [{ node: [18, 20] }, [{ node: 18 }, { node: 20 }]],
    [
      { node: [18, 20], os: ["linux", "mac"] },
      [
        { node: 18, os: "linux" },
        { node: 18, os: "mac" },
        { node: 20, os: "linux" },
        { node: 20, os: "mac" },
      ],
    ],
    [
      {
        node: [18, 20],
        os: ["linux", "mac"],
        exclude: [{ node: 18, os: "mac" }],
      },
      [
        { node: 18, os: "linux" },
        { node: 20, os: "linux" },
        { node: 20, os: "mac" },
      ],
    ],
    [{ node: [18, 20], exclude: [{ node: 18 }] }, [{ node: 20 }]],
    // include extends the cells it fits, adds a cell when it fits none
    [
      {
        node: [18, 20],
        include: [{ node: 20, experimental: true }, { node: 22 }],
      },
      [{ node: 18 }, { node: 20, experimental: true }, { node: 22 }],
    ],
    [
      { node: [18, 20], include: [{ lint: true }] },
      [
        { node: 18, lint: true },
        { node: 20, lint: true },
      ],
    ],
    [{ include: [{ a: 1 }, { a: 2 }] }, [{ a: 1 }, { a: 2 }]],
  ])("%j", (matrix, cells) => {
    expect(expandMatrix(matrix as Matrix, "test")).toEqual(cells);
  });

  it("rejects a matrix with nothing left", () => {
    expect(() =>
      expandMatrix(
        { a: [1], exclude: [{ a: 1 }] } as unknown as Matrix,
        "test",
      ),
    ).toThrow(/no combinations/);
  });
});

describe("plan", () => {
  it("expands matrices, resolves needs onto every cell and orders topologically", () => {
    const p = plan(
      pipeline({
        deploy: { needs: ["test"], steps: step },
        test: {
          needs: "build",
          matrix: { node: [18, 20], os: ["linux"] },
          steps: step,
        },
        build: { steps: step },
        lint: { steps: step },
      }),
      push,
    );
    expect(p.jobs.map((j) => j.key)).toEqual([
      "build",
      "lint",
      "test (node: 18, os: linux)",
      "test (node: 20, os: linux)",
      "deploy",
    ]);
    const deploy = p.jobs.find((j) => j.key === "deploy");
    expect(deploy?.needs).toEqual([
      "test (node: 18, os: linux)",
      "test (node: 20, os: linux)",
    ]);
    expect(deploy?.needIds).toEqual(["test"]);
    const cell = p.jobs[2];
    expect(cell?.matrix).toEqual({ node: 18, os: "linux" });
    expect(cell?.failFast).toBe(true);
    expect(p.jobs[0]?.failFast).toBe(false);
  });

  it("merges env levels, normalises retries, durations, names and caches", () => {
    const p = plan(
      pipeline(
        {
          build: {
            env: { B: "job", C: "job" },
            timeout: "1m30s",
            retry: { max: 2, delay: "5s" },
            "continue-on-error": true,
            steps: [
              {
                run: "npm ci\nnpm run build",
                env: { C: "step" },
                cache: {
                  key: "k",
                  paths: ["node_modules"],
                  "skip-if-hit": true,
                },
              },
              {
                uses: "sluice/scan",
                retry: 1,
                timeout: "250ms",
                name: "scan it",
              },
            ],
          },
        },
        { env: { A: "pipeline", B: "pipeline" }, "max-parallel": 3 },
      ),
      push,
    );
    const [job] = p.jobs;
    expect(p.maxParallel).toBe(3);
    expect(job?.env).toEqual({ A: "pipeline", B: "job", C: "job" });
    expect(job?.timeoutMs).toBe(90_000);
    expect(job?.continueOnError).toBe(true);
    expect(job?.steps[0]).toMatchObject({
      position: 0,
      name: "npm ci",
      env: { C: "step" },
      retry: { max: 2, delayMs: 5000 },
      cache: {
        key: "k",
        restoreKeys: [],
        paths: ["node_modules"],
        skipIfHit: true,
      },
    });
    expect(job?.steps[1]).toMatchObject({
      position: 1,
      name: "scan it",
      retry: { max: 1, delayMs: 0 },
      timeoutMs: 250,
    });
  });

  it("evaluates concurrency group keys per cell, lower-cased", () => {
    const p = plan(
      pipeline({
        deploy: {
          matrix: { env: ["staging", "prod"] },
          concurrency: {
            group: "deploy-${{ branch }}-${{ matrix.env }}",
            "cancel-in-progress": true,
          },
          steps: step,
        },
        other: { concurrency: "solo", steps: step },
      }),
      push,
    );
    expect(p.jobs.map((j) => j.concurrency)).toEqual([
      { group: "deploy-main-staging", cancelInProgress: true },
      { group: "deploy-main-prod", cancelInProgress: true },
      { group: "solo", cancelInProgress: false },
    ]);
  });

  it("names matrix artifacts per cell", () => {
    const p = plan(
      pipeline({
        a: { artifacts: { paths: ["dist"] }, steps: step },
        b: {
          matrix: { n: [1, 2] },
          artifacts: { name: "out", paths: ["x"] },
          steps: step,
        },
      }),
      push,
    );
    expect(p.jobs.map((j) => j.artifacts?.name)).toEqual([
      "a",
      "out (n: 1)",
      "out (n: 2)",
    ]);
  });

  it.each([
    [
      { a: { needs: "b", steps: step }, b: { needs: ["a"], steps: step } },
      /need each other in a cycle/,
    ],
    [
      { a: { needs: "missing", steps: step } },
      /job a needs missing, which is not a job/,
    ],
  ])("rejects a broken DAG", (jobs, message) => {
    expect(() => plan(pipeline(jobs), push)).toThrow(message);
  });

  it("orders a chain of 10,000 jobs and names a cycle of 10,000 briefly (issue 10.7)", () => {
    const n = 10_000;
    const jobs = (cycle: boolean) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [
          `j${i}`,
          i > 0 || cycle
            ? { needs: `j${(i + n - 1) % n}`, steps: step }
            : { steps: step },
        ]),
      );
    // Written last to first: the order comes from needs, not from the file.
    const reversed = Object.fromEntries(Object.entries(jobs(false)).reverse());
    const ordered = plan(pipeline(reversed), push).jobs.map((j) => j.key);
    expect(ordered).toHaveLength(n);
    expect(ordered.slice(0, 3)).toEqual(["j0", "j1", "j2"]);
    expect(ordered[n - 1]).toBe("j9999");
    expect(() => plan(pipeline(jobs(true)), push)).toThrow(
      "jobs j0, j1, j2, j3, j4, j5, j6, j7, j8, j9 and 9990 more need each other in a cycle",
    );
  });

  it("keeps config order among jobs ready in the same round", () => {
    const p = plan(
      pipeline({
        c: { needs: "a", steps: step },
        b: { steps: step },
        a: { steps: step },
        d: { needs: ["b", "a"], steps: step },
      }),
      push,
    );
    expect(p.jobs.map((j) => j.key)).toEqual(["b", "a", "c", "d"]);
  });
});

describe("expandMatrix limits", () => {
  it("refuses more than 256 cells instead of building them", () => {
    const matrix = Object.fromEntries(
      "abcdefghij".split("").map((a) => [a, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]),
    ) as Matrix;
    expect(() => expandMatrix(matrix, "t")).toThrow(
      "the matrix of job t makes more than 256 combinations",
    );
  });
});
