import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppError } from "../kernel/index.js";
import { loadConfig, parseConfig } from "./loader.js";

const knownSteps = new Set(["sluice/scan", "sluice/gate", "sluice/deploy"]);

function failure(text: string): AppError {
  try {
    parseConfig(text, "sluice.yml", { knownSteps });
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected a config error");
}

/** [what, file text, "line:col", message] */
const broken: [string, string, string, string][] = [
  [
    "malformed YAML (tab indentation)",
    "jobs:\n\tbuild:\n",
    "2:1",
    "malformed YAML: Tabs are not allowed as indentation",
  ],
  [
    "malformed YAML (duplicate key)",
    "jobs:\n  a:\n    steps: [{ run: x }]\n  a:\n    steps: [{ run: y }]\n",
    "4:3",
    "duplicate key `a` (first at line 2)",
  ],
  [
    "empty file",
    "# nothing yet\n",
    "1:1",
    "sluice.yml is empty; start with `extends: golden/node@1` or run `sluice init`",
  ],
  [
    "a list at the top",
    "- run: x\n",
    "1:1",
    "sluice.yml must be a mapping of keys such as `extends` and `jobs`, not a list",
  ],
  [
    "unknown top-level key with did-you-mean",
    "extends: golden/node@1\njob:\n  test: {}\n",
    "2:1",
    "unknown key `job` at the top level; did you mean `jobs`?",
  ],
  [
    "unknown job key with did-you-mean",
    "jobs:\n  build:\n    stpes:\n      - run: make\n",
    "3:5",
    "unknown key `stpes` in job `build`; did you mean `steps`?",
  ],
  [
    "unknown step key with did-you-mean",
    "jobs:\n  build:\n    steps:\n      - run: make\n        continue-on-eror: true\n",
    "5:9",
    "unknown key `continue-on-eror` in step 1 of job `build`; did you mean `continue-on-error`?",
  ],
  [
    "wrong type",
    "jobs:\n  build:\n    max-parallel: two\n    steps: [{ run: make }]\n",
    "3:19",
    '`max-parallel` in job `build` must be a number, not the string "two"',
  ],
  [
    "wrong type in a list",
    "jobs:\n  build:\n    steps: { run: make }\n",
    "3:12",
    "`steps` in job `build` must be a list, not a mapping",
  ],
  [
    "missing steps",
    "jobs:\n  build:\n    timeout: 10m\n",
    "2:3",
    "job `build` has no `steps`",
  ],
  [
    "empty steps",
    "jobs:\n  build:\n    steps: []\n",
    "3:12",
    "`steps` in job `build` is empty",
  ],
  [
    "bad duration",
    "jobs:\n  test:\n    timeout: 15 mins later\n    steps: [{ run: npm test }]\n",
    "3:14",
    '`timeout` in job `test` must be a duration such as 500ms, 1.5s, 15m, 1h30m, 90d or 1y6mo, not "15 mins later"',
  ],
  [
    "step with both run and uses",
    "jobs:\n  scan:\n    steps:\n      - run: scan\n        uses: sluice/scan\n",
    "4:9",
    "Step 1 of job `scan` has both `run` and `uses`; keep one",
  ],
  [
    "step with neither run nor uses",
    "jobs:\n  build:\n    steps:\n      - run: make\n      - name: nothing\n",
    "5:9",
    "Step 2 of job `build` has neither `run` nor `uses`",
  ],
  [
    "dangling needs with did-you-mean",
    "jobs:\n  build:\n    steps: [{ run: make }]\n  test:\n    needs: [biuld]\n    steps: [{ run: make test }]\n",
    "5:13",
    "job `test` needs `biuld`, which is not a job; did you mean `build`?",
  ],
  [
    "cyclic needs, named",
    "jobs:\n  a:\n    needs: c\n    steps: [{ run: x }]\n  b:\n    needs: [a]\n    steps: [{ run: x }]\n  c:\n    needs: [b]\n    steps: [{ run: x }]\n",
    "3:12",
    "`needs` form a cycle: a → c → b → a",
  ],
  [
    "a job that needs itself",
    "jobs:\n  a:\n    needs: [a]\n    steps: [{ run: x }]\n",
    "3:13",
    "job `a` needs itself",
  ],
  [
    "unknown template",
    "extends: golden/rust@1\n",
    "1:10",
    "unknown template `golden/rust@1`; known: golden/go@1, golden/node@1, golden/python@1",
  ],
  [
    "unknown template with did-you-mean",
    "extends: golden/nodejs@1\n",
    "1:10",
    "unknown template `golden/nodejs@1`; did you mean `golden/node@1`?",
  ],
  [
    "unknown template version",
    "extends: golden/node@3\nwith:\n  health: /healthz\n",
    "1:10",
    "template golden/node has no version 3; known: golden/node@1",
  ],
  [
    "malformed template reference",
    "extends: golden/node\n",
    "1:10",
    '`extends` must be a template such as golden/node@1, not "golden/node"',
  ],
  [
    "unknown template input with did-you-mean",
    "extends: golden/node@1\nwith:\n  node-verison: 20\n",
    "3:3",
    "unknown input `node-verison` in `with` of golden/node@1; did you mean `node-version`?",
  ],
  [
    "wrong template input type",
    "extends: golden/python@1\nwith:\n  python-version: 3.10\n",
    "3:19",
    "input `python-version` must be a version with a dot in quotes, such as '3.10' (YAML reads 3.10 as the number 3.1), not the number 3.1",
  ],
  [
    "template input outside its enum",
    "extends: golden/node@1\nwith:\n  package-manager: bun\n",
    "3:20",
    'input `package-manager` must be one of "npm", "pnpm", "yarn", not "bun"',
  ],
  [
    "override of a job the template does not have",
    "extends: golden/go@1\njobs:\n  tset:\n    timeout: 5m\n",
    "3:3",
    "job `tset` has no `steps` (and golden/go@1 has no job `tset` to override; did you mean `test`?)",
  ],
  [
    "bad if expression, column inside it",
    "jobs:\n  deploy:\n    if: branch = 'main'\n    steps: [{ run: ./deploy }]\n",
    "3:16",
    "bad `if` in job `deploy`: unexpected `=`; compare with `==`",
  ],
  [
    "bad wrapped if on a step",
    "jobs:\n  build:\n    steps:\n      - run: make\n        if: ${{ success() && matrix.os == 'linux }}\n",
    "5:43",
    "bad `if` in step 1 of job `build`: unterminated string",
  ],
  [
    "unknown function in an if",
    'jobs:\n  notify:\n    if: "alway()"\n    steps: [{ run: ./notify }]\n',
    "3:10",
    "bad `if` in job `notify`: unknown function `alway()`; did you mean `always()`?",
  ],
  [
    "unknown context inside a block scalar",
    "jobs:\n  build:\n    steps:\n      - run: |\n          echo start\n          echo ${{ matrx.os }}\n",
    "6:20",
    "unknown context `matrx` in `run` in step 1 of job `build`; did you mean `matrix`?",
  ],
  [
    "unclosed ${{ in a cache key",
    "jobs:\n  build:\n    steps:\n      - run: npm ci\n        cache:\n          key: npm-${{ hashFiles('package-lock.json')\n          paths: [node_modules]\n",
    "6:20",
    "bad expression in `cache.key` in step 1 of job `build`: `${{` is never closed by `}}`",
  ],
  [
    "unknown uses with did-you-mean",
    "jobs:\n  scan:\n    steps:\n      - uses: sluice/scna\n",
    "4:15",
    "unknown built-in step `sluice/scna` in step 1 of job `scan`; did you mean `sluice/scan`?",
  ],
  [
    "unknown uses without a close name",
    "jobs:\n  scan:\n    steps:\n      - uses: actions/checkout@v4\n",
    "4:15",
    "unknown built-in step `actions/checkout@v4` in step 1 of job `scan`; built-in steps are sluice/deploy, sluice/gate, sluice/scan",
  ],
  [
    "outputs naming a step id that does not exist",
    'jobs:\n  build:\n    outputs: { version: "${{ steps.vesion.outputs.v }}" }\n    steps:\n      - id: version\n        run: echo\n',
    "3:30",
    "`steps.vesion`: the job has no step with id `vesion` (in `outputs.version` in job `build`); did you mean `version`?",
  ],
  [
    "needs context naming a job outside needs",
    "jobs:\n  build:\n    steps: [{ run: make }]\n  test:\n    steps:\n      - run: echo ${{ needs.build.outputs.x }}\n",
    "6:23",
    "`needs.build`: `build` is not in this job's `needs` (in `run` in step 1 of job `test`)",
  ],
  [
    "bad job id",
    "jobs:\n  build it:\n    steps: [{ run: make }]\n",
    "2:3",
    "`build it` is not a valid id: use letters, digits, _ and -",
  ],
  [
    "with but no extends",
    "with:\n  health: /healthz\njobs:\n  a:\n    steps: [{ run: x }]\n",
    "1:1",
    "`with` sets template inputs, but there is no `extends`",
  ],
  [
    "no jobs and no template",
    "name: api\n",
    "1:1",
    "the file has no `jobs`; add some, or start from a template with `extends: golden/node@1`",
  ],
  [
    "duplicate step id",
    "jobs:\n  build:\n    steps:\n      - { id: x, run: a }\n      - { id: x, run: b }\n",
    "5:15",
    "step id `x` is used twice in job `build`",
  ],
];

describe("broken sluice.yml files", () => {
  it("has at least 15 cases", () =>
    expect(broken.length).toBeGreaterThanOrEqual(15));

  it.each(broken)("%s", (_what, text, where, message) => {
    const error = failure(text);
    expect(error.code).toBe("CONFIG_INVALID");
    const { file, line, column } = error.location!;
    expect(`${file}:${line}:${column}`).toBe(`sluice.yml:${where}`);
    expect(error.message).toBe(message);
    // The detail is a code frame: the offending line, then a caret under the column.
    const [shown, caret] = error.detail!.split("\n");
    expect(shown).toBe(
      `  ${line} | ${text.split("\n")[line - 1]!.replace(/\t/g, " ")}`,
    );
    expect(caret!.indexOf("^") - caret!.indexOf("|") - 2).toBe(column - 1);
  });

  it("lists further problems under the first, in file order", () => {
    const error = failure(
      "jobs:\n  a:\n    stepz: []\n  b:\n    timeout: soon\n    steps: [{ run: x }]\n",
    );
    expect(error.message).toBe(
      "unknown key `stepz` in job `a`; did you mean `steps`?",
    );
    expect(error.detail!.split("\n").slice(2)).toEqual([
      'sluice.yml:5:14: `timeout` in job `b` must be a duration such as 500ms, 1.5s, 15m, 1h30m, 90d or 1y6mo, not "soon"',
    ]);
  });
});

describe("every problem of a file in one error (issue 9.13)", () => {
  it("reports unknown keys, needs, expressions and uses together, each at file:line:col", () => {
    const error = failure(
      [
        "jobs:",
        "  build:",
        "    steps:",
        "      - run: echo hi",
        "        timout: 5m",
        "  test:",
        "    needs: [biuld]",
        "    runs: x",
        "    steps:",
        "      - run: echo ${{ foo.bar }}",
        "  lint:",
        "    needs: [test]",
        "    steps:",
        "      - uses: sluice/nope",
        "",
      ].join("\n"),
    );
    expect(error.message).toBe(
      "unknown key `timout` in step 1 of job `build`; did you mean `timeout`?",
    );
    expect(error.location).toMatchObject({ line: 5, column: 9 });
    expect(error.detail!.split("\n").slice(2)).toEqual([
      "sluice.yml:7:13: job `test` needs `biuld`, which is not a job; did you mean `build`?",
      "sluice.yml:8:5: unknown key `runs` in job `test`",
      expect.stringMatching(
        /^sluice\.yml:10:23: unknown context `foo` in `run`/,
      ),
      expect.stringMatching(
        /^sluice\.yml:14:15: unknown built-in step `sluice\/nope`/,
      ),
    ]);
  });

  it("reports each line with malformed YAML", () => {
    const error = failure(
      'jobs:\n  a:\n    steps: [{ run: "x" ]\n  b:\n    steps: [{ run: "y" ]\n',
    );
    expect(error.message).toMatch(/^malformed YAML: /);
    const lines = error.detail!.split("\n").slice(2);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(
      lines.every((l) => /^sluice\.yml:\d+:\d+: malformed YAML: /.test(l)),
    ).toBe(true);
    expect(lines.some((l) => l.startsWith("sluice.yml:5:"))).toBe(true);
  });

  it("lists 100 problems and counts the rest", () => {
    const jobs = Array.from(
      { length: 150 },
      (_, i) => `  j${i}:\n    stepz: []\n    steps: [{ run: x }]`,
    );
    const error = failure(`jobs:\n${jobs.join("\n")}\n`);
    const lines = error.detail!.split("\n").slice(2);
    expect(lines).toHaveLength(100);
    expect(lines[98]).toBe(
      "sluice.yml:300:5: unknown key `stepz` in job `j99`; did you mean `steps`?",
    );
    expect(lines[99]).toBe("… and 50 more problems");
  });
});

describe("the with of built-in steps", () => {
  const asked: unknown[] = [];
  const checkWith = (uses: string, input: Record<string, unknown>) => {
    asked.push(input);
    return input.mode === "bad" ? "with.mode: not a mode" : undefined;
  };
  const parse = (mode: string) =>
    parseConfig(
      `jobs:\n  a:\n    steps:\n      - uses: sluice/scan\n        with: { mode: "${mode}" }\n`,
      "sluice.yml",
      { knownSteps, checkWith },
    );

  it("is checked by the step's owner and reported at the with key", () => {
    expect(() => parse("good")).not.toThrow();
    const error = (() => {
      try {
        parse("bad");
      } catch (e) {
        return e as AppError;
      }
      return undefined;
    })();
    expect(error?.message).toBe(
      "sluice/scan in step 1 of job `a`: with.mode: not a mode",
    );
    expect(error?.location).toMatchObject({ line: 5, column: 9 });
  });

  it("is left to run time when it holds an expression", () => {
    asked.length = 0;
    expect(() => parse("${{ env.MODE }}")).not.toThrow();
    expect(asked).toEqual([]);
  });
});

describe("loadConfig", () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses a 10 MB file by its size, before parsing it", () => {
    const file = join(dir, "huge.yml");
    writeFileSync(
      file,
      `jobs:\n${"  # padding padding padding padding padding padding\n".repeat(202_000)}`,
    );
    expect(() => loadConfig(file)).toThrow(
      "huge.yml is 10.0 MB, over the 1.0 MB limit for a config file",
    );
  });

  it("finds sluice.yml in a folder and names the pipeline after the folder", () => {
    const repo = join(dir, "checkout-service");
    mkdirSync(repo);
    writeFileSync(join(repo, "sluice.yml"), "extends: golden/node@1\n");
    const loaded = loadConfig(repo, { knownSteps });
    expect(loaded.config.name).toBe("checkout-service");
    expect(loaded.template).toBe("golden/node@1");
    expect(Object.keys(loaded.config.jobs)).toEqual(["build", "test", "scan"]);
  });

  it("says how to create a missing file", () => {
    expect(() => loadConfig(join(dir, "nowhere"))).toThrow(
      /nowhere does not exist$/,
    );
    const empty = join(dir, "empty-repo");
    mkdirSync(empty);
    expect(() => loadConfig(empty)).toThrow(
      /^no sluice.yml in .*empty-repo; run `sluice init`/,
    );
  });

  it("without the built-in step names, checks only the form of uses", () => {
    expect(() =>
      parseConfig(
        "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n",
        "sluice.yml",
      ),
    ).toThrow(
      '`uses` in step 1 of job `a` must name a built-in step such as sluice/scan, not "actions/checkout@v4"',
    );
  });

  it("refuses an alias bomb", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
    ].join("\n");
    expect(() => parseConfig(bomb, "sluice.yml")).toThrow(
      "malformed YAML: Excessive alias count indicates a resource exhaustion attack",
    );
  });

  it("checks uses only when the caller gives the built-in step names", () => {
    const text = "jobs:\n  a:\n    steps: [{ uses: sluice/anything }]\n";
    expect(parseConfig(text, "sluice.yml").config.jobs.a!.steps[0]!.uses).toBe(
      "sluice/anything",
    );
  });

  it("keeps a plain file as it is, with env values as strings and needs as lists", () => {
    const loaded = parseConfig(
      "name: api\nenv: { RETRIES: 3, DEBUG: false }\njobs:\n  build:\n    steps: [{ run: make }]\n  test:\n    needs: build\n    if: ${{ always() }}\n    steps: [{ run: make test, timeout: 1m }]\n",
      "sluice.yml",
    );
    expect(loaded.config).toEqual({
      name: "api",
      env: { RETRIES: "3", DEBUG: "false" },
      jobs: {
        build: { steps: [{ run: "make" }] },
        test: {
          needs: ["build"],
          if: "${{ always() }}",
          steps: [{ run: "make test", timeout: "1m" }],
        },
      },
    });
  });
});

describe("legal but huge or deep files end in a result or a clear error, never a stack overflow (issue 10.7)", () => {
  const chain = (n: number, cycle: boolean) =>
    `jobs:\n${Array.from(
      { length: n },
      (_, i) =>
        `  j${i}:\n${i > 0 || cycle ? `    needs: [j${i > 0 ? i - 1 : n - 1}]\n` : ""}    steps: [{ run: x }]`,
    ).join("\n")}\n`;

  it("loads a chain of 1,000 jobs", () => {
    const { config } = parseConfig(chain(1_000, false), "sluice.yml");
    expect(Object.keys(config.jobs)).toHaveLength(1_000);
    expect(config.jobs.j999!.needs).toEqual(["j998"]);
  });

  it("refuses a chain of 10,000 jobs at the stated limit, after checking it whole", () => {
    const error = failure(chain(10_000, false));
    expect(error.message).toBe(
      "the pipeline makes 10000 jobs; a run may have at most 1000",
    );
  });

  it("reports a cycle of 10,000 jobs, shortened, at a needs", () => {
    const error = failure(chain(10_000, true));
    expect(error.detail).toContain(
      "sluice.yml:3:13: `needs` form a cycle: j0 → j9999 → j9998 → j9997 → j9996 → … → j2 → j1 → j0 (10000 jobs)",
    );
  });

  it("refuses [ ] and { } nested 5,000 deep before parsing, at the first too deep", () => {
    const d = 5000;
    const error = failure(
      `jobs:\n  a:\n    steps:\n      - uses: sluice/scan\n        with: { x: ${"[".repeat(d)}${"]".repeat(d)} }\n`,
    );
    expect(error.message).toBe(
      "[ ] and { } nest more than 64 levels deep here; a sluice.yml may nest at most 64",
    );
    expect(error.location).toMatchObject({ line: 5, column: 83 });
  });

  it("does not count brackets inside strings", () => {
    const text = `jobs:\n  a:\n    steps:\n      - run: "${"[".repeat(500)}"\n      - run: echo ${"{".repeat(500)}\n`;
    expect(parseConfig(text, "sluice.yml").config.jobs.a!.steps).toHaveLength(
      2,
    );
  });

  it("refuses mappings nested 65 deep, at the first too deep", () => {
    const lines = Array.from(
      { length: 70 },
      (_, i) => `${" ".repeat(10 + i)}k:`,
    );
    const error = failure(
      `jobs:\n  a:\n    steps:\n      - uses: sluice/scan\n        with:\n          x:\n${lines.join("\n")} 1\n`,
    );
    expect(error.message).toBe(
      "mappings and lists nest more than 64 levels deep here; a sluice.yml may nest at most 64",
    );
    expect(error.location?.line).toBeGreaterThan(50);
  });

  it("refuses aliases that nest past the limit", () => {
    const text = `a: &a0 [x]\n${Array.from({ length: 70 }, (_, i) => `b${i}: &a${i + 1} [*a${i}]`).join("\n")}\njobs:\n  a:\n    steps: [{ run: x }]\n`;
    // yaml's own alias budget (100) or the nesting limit: either way a clear config error.
    expect(failure(text).message).toMatch(
      /aliases nest mappings and lists more than 64 levels deep|malformed YAML: Excessive alias count/,
    );
  });

  const expressions: [string, string][] = [
    ["parentheses", `${"(".repeat(5000)}true${")".repeat(5000)}`],
    ["negations", `${"!".repeat(5000)}true`],
    ["a chain of ||", Array(5000).fill("true").join(" || ")],
    ["calls", `${"contains(".repeat(3000)}'a'${", 'b')".repeat(3000)}`],
    ["property access", `github${".x".repeat(5000)}`],
  ];
  it.each(expressions)(
    "refuses an `if` with %s 5,000 deep, at the expression",
    (_what, expression) => {
      const error = failure(
        `jobs:\n  a:\n    if: "${expression}"\n    steps: [{ run: x }]\n`,
      );
      expect(error.message).toBe(
        "bad `if` in job `a`: the expression nests more than 100 levels deep; split it",
      );
      expect(error.location?.line).toBe(3);
    },
  );

  it("keeps an expression 100 deep", () => {
    const text = `jobs:\n  a:\n    if: "${"(".repeat(90)}true${")".repeat(90)}"\n    steps: [{ run: x }]\n`;
    expect(parseConfig(text, "sluice.yml").config.jobs.a!.if).toBeDefined();
  });
});

describe("matrix size (issue 10.7: a small file must not plan billions of jobs)", () => {
  it("refuses a matrix of more than 256 combinations, at the matrix", () => {
    const axes = "abcdefghij"
      .split("")
      .map((axis) => `        ${axis}: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]`)
      .join("\n");
    const error = failure(
      `jobs:\n  t:\n    matrix:\n${axes}\n    steps: [{ run: x }]\n`,
    );
    expect(error.message).toBe(
      "the matrix of job `t` makes 10000000000 combinations; a matrix may make at most 256 (as in GitHub Actions)",
    );
    expect(error.location).toMatchObject({ line: 4, column: 9 });
  });

  it("refuses a pipeline of more than 1000 jobs, at `jobs`", () => {
    const jobs = Array.from(
      { length: 1001 },
      (_, i) =>
        `  j${i}: { steps: [{ run: x }]${i ? `, needs: [j${i - 1}]` : ""} }`,
    ).join("\n");
    const error = failure(`name: big\njobs:\n${jobs}\n`);
    expect(error.message).toBe(
      "the pipeline makes 1001 jobs; a run may have at most 1000",
    );
    expect(error.location).toMatchObject({ line: 2, column: 1 });
    const cells = failure(
      "jobs:\n" +
        Array.from(
          { length: 4 },
          (_, i) =>
            `  t${i}:\n    matrix:\n      a: [${Array.from({ length: 256 }, (_, k) => k).join(", ")}]\n    steps: [{ run: x }]`,
        ).join("\n") +
        "\n",
    );
    expect(cells.message).toBe(
      "the pipeline makes 1024 jobs; a run may have at most 1000",
    );
  });

  it("keeps a matrix of 256", () => {
    const text =
      "jobs:\n  t:\n    matrix:\n      a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]\n      b: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]\n    steps: [{ run: x }]\n";
    expect(parseConfig(text, "sluice.yml").config.jobs.t!.matrix).toBeDefined();
  });
});
