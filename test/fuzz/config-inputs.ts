import fc from "fast-check";

/**
 * Inputs for the sluice.yml loader fuzz test (config.test.ts): valid samples, text edits, random
 * pipelines, and extreme structures.
 */
/** Valid files the mutations start from: a template, plain jobs with most features. */
export const samples = [
  "extends: golden/node@1\nwith:\n  node-version: '>=18'\n  health: /healthz\n  deploy: true\n",
  "extends: golden/python@1\nwith:\n  python-version: '>=3.9,!=3.11.*'\n  package-manager: uv\njobs:\n  scan: null\n",
  [
    "name: svc",
    "on: { push: { branches: [main] }, pull_request: {} }",
    "env: { A: '1' }",
    "jobs:",
    "  build:",
    "    steps:",
    "      - id: v",
    '        run: echo "version=1" >> "$SLUICE_OUTPUT"',
    "      - run: npm ci",
    "        cache: { key: \"npm-${{ hashFiles('package-lock.json') }}\", paths: [node_modules] }",
    "    outputs: { version: '${{ steps.v.outputs.version }}' }",
    "  test:",
    "    needs: [build]",
    "    if: \"success() && (branch == 'main' || contains(event.name, 'pull'))\"",
    "    matrix: { node: [18, 20], include: [{ node: 22, experimental: true }] }",
    "    timeout: 15m",
    "    retry: 2",
    "    steps: [{ run: 'npm test', continue-on-error: true }]",
    "  scan:",
    "    needs: build",
    "    steps: [{ uses: sluice/scan, with: { secrets: true } }]",
    "  deploy:",
    "    needs: [build, test, scan]",
    "    environment: production",
    "    concurrency: { group: 'deploy-${{ branch }}' }",
    "    steps: [{ run: 'echo ${{ needs.build.outputs.version }}' }]",
    "",
  ].join("\n"),
];

/** Text edits at random places: what a hurried hand or a bad merge does to a file. */
export const edit = fc.oneof(
  fc.record({
    op: fc.constant("delete"),
    at: fc.nat(),
    len: fc.nat({ max: 30 }),
  }),
  fc.record({
    op: fc.constant("duplicate"),
    at: fc.nat(),
    len: fc.nat({ max: 120 }),
  }),
  fc.record({
    op: fc.constant("insert"),
    at: fc.nat(),
    text: fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom(
        "\n",
        "  ",
        "\t",
        ":",
        "- ",
        "[",
        "]",
        "{",
        "}",
        "${{",
        "}}",
        "'",
        '"',
        "&a ",
        "*a",
        "<<: *a",
        "null",
        "~",
        "needs: [build]",
        "needs: deploy",
        "if: ",
        "(",
        ")",
        "!",
        "||",
        "matrix: { x: [1, 2, 3, 4, 5, 6, 7, 8, 9] }",
        "\u0000",
        "\uFEFF",
        "#",
        "---\n",
        "...",
        "steps: []",
        "jobs: {}",
        "__proto__: 1",
        "constructor: {}",
        "toString: x",
      ),
    ),
  }),
);
export type Edit = { op: string; at: number; len?: number; text?: string };

export function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of edits) {
    const at = out.length === 0 ? 0 : e.at % (out.length + 1);
    if (e.op === "delete")
      out = out.slice(0, at) + out.slice(at + (e.len ?? 0));
    else if (e.op === "duplicate")
      out = out.slice(0, at) + out.slice(at, at + (e.len ?? 0)) + out.slice(at);
    else out = out.slice(0, at) + (e.text ?? "") + out.slice(at);
  }
  return out;
}

/** Random but plausible pipelines: jobs with random needs (cycles too), ifs, matrices, with. */
const identifier = fc.stringMatching(/^[a-z][a-z0-9_-]{0,6}$/);
const expressionToken = fc.constantFrom(
  "(",
  ")",
  "!",
  "&&",
  "||",
  "==",
  "!=",
  "<",
  ">=",
  ".",
  "[",
  "]",
  ",",
  "*",
  "success()",
  "failure()",
  "always()",
  "branch",
  "event.name",
  "steps.v.outputs.x",
  "needs.a.result",
  "matrix.node",
  "env.A",
  "'main'",
  "'it''s'",
  "1",
  "0.5",
  "null",
  "true",
  "contains(",
  "startsWith(",
  "format('{0}', ",
  "hashFiles('x')",
  "fromJSON(",
  "toJSON(",
  "nope(",
  "secrets.X",
  "unknown",
);
const validExpression = fc.constantFrom(
  "success()",
  "always() && branch == 'main'",
  "!cancelled() || contains(event.name, 'push')",
  "failure() && (matrix.node >= 20 || env.A != '1')",
  "startsWith(branch, 'release/')",
);
const expression = fc.oneof(
  { arbitrary: validExpression, weight: 3 },
  {
    arbitrary: fc
      .array(expressionToken, { maxLength: 14 })
      .map((tokens) => tokens.join(" ")),
    weight: 1,
  },
);
export const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
    ),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie("value"), { maxKeys: 3 }),
  ),
})).value;
const step = fc.oneof(
  {
    arbitrary: fc.record(
      {
        run: fc.oneof(
          fc.string({ maxLength: 20 }),
          expression.map((e) => `echo \${{ ${e} }}`),
        ),
        id: identifier,
        if: expression,
        "continue-on-error": fc.boolean(),
      },
      { requiredKeys: ["run"] },
    ),
    weight: 6,
  },
  {
    arbitrary: fc.record(
      {
        uses: fc.constantFrom(
          "sluice/scan",
          "sluice/deploy",
          "sluice/nope",
          "x",
        ),
        with: json,
      },
      { requiredKeys: ["uses"] },
    ),
    weight: 2,
  },
  { arbitrary: json, weight: 1 },
);
const jobs = fc
  .uniqueArray(identifier, { minLength: 1, maxLength: 8 })
  .chain((ids) =>
    fc.tuple(
      ...ids.map((id) =>
        fc
          .record(
            {
              needs: fc.oneof(
                { arbitrary: fc.subarray(ids), weight: 4 },
                { arbitrary: fc.constantFrom(...ids), weight: 2 },
                {
                  arbitrary: fc.array(identifier, { maxLength: 2 }),
                  weight: 1,
                },
              ),
              if: expression,
              matrix: fc.dictionary(
                identifier,
                fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), {
                  minLength: 1,
                  maxLength: 5,
                }),
                { minKeys: 1, maxKeys: 4 },
              ),
              timeout: fc.constantFrom("1m", "15m", "1h30m", "soon", "0s", 5),
              steps: fc.array(step, { minLength: 1, maxLength: 3 }),
              "runs-on": json,
            },
            { requiredKeys: ["steps"] },
          )
          .chain((job) =>
            // Most jobs need every key they have to be valid: drop the wild ones often.
            fc.boolean().map((tame) => {
              if (!tame) return job;
              const { "runs-on": _r, ...rest } = job;
              return rest;
            }),
          )
          .map((job) => [id, job] as const),
      ),
    ),
  )
  .map((entries) => Object.fromEntries(entries));
export const pipeline = fc.oneof(
  fc.record(
    {
      name: fc.string({ maxLength: 10 }),
      env: fc.dictionary(identifier, fc.string({ maxLength: 8 })),
      jobs,
    },
    { requiredKeys: ["jobs"] },
  ),
  fc.record(
    {
      extends: fc.constantFrom(
        "golden/node@1",
        "golden/go@1",
        "golden/python@2",
        "x",
      ),
      with: fc.oneof(
        fc.constant({}),
        fc.record({
          "node-version": fc.constantFrom("20", ">=18", "^20 || ^22", "x"),
        }),
        json,
      ),
      env: fc.dictionary(
        identifier,
        fc.oneof(fc.string({ maxLength: 8 }), json),
      ),
      jobs,
    },
    { requiredKeys: ["extends"] },
  ),
);

/** Structures far deeper or longer than any real file; each must be refused or loaded quickly. */
export const extreme = fc.oneof(
  fc
    .integer({ min: 1, max: 3000 })
    .map(
      (n) =>
        `jobs:\n${Array.from(
          { length: n },
          (_, i) =>
            `  j${i}:\n${i > 0 ? `    needs: [j${i - 1}]\n` : ""}    steps: [{ run: x }]`,
        ).join("\n")}\n`,
    ),
  fc
    .integer({ min: 2, max: 3000 })
    .map(
      (n) =>
        `jobs:\n${Array.from(
          { length: n },
          (_, i) =>
            `  j${i}:\n    needs: [j${(i + 1) % n}]\n    steps: [{ run: x }]`,
        ).join("\n")}\n`,
    ),
  fc
    .tuple(
      fc.integer({ min: 1, max: 5000 }),
      fc.constantFrom("[", "{ a: ", "- "),
    )
    .map(([d, open]) => {
      const close = open === "[" ? "]" : open === "- " ? "" : " }";
      const body =
        open === "- "
          ? Array.from(
              { length: Math.min(d, 400) },
              (_, i) => `${" ".repeat(10 + 2 * i)}- `,
            ).join("\n") + "x"
          : `${open.repeat(d)}1${close.repeat(d)}`;
      return `jobs:\n  a:\n    steps:\n      - uses: sluice/scan\n        with:\n          x:${open === "- " ? "\n" : " "}${body}\n`;
    }),
  fc
    .tuple(
      fc.integer({ min: 1, max: 5000 }),
      fc.constantFrom("(", "!", "|| true", ".x", "contains("),
    )
    .map(([d, kind]) => {
      const expression =
        kind === "("
          ? `${"(".repeat(d)}true${")".repeat(d)}`
          : kind === "!"
            ? `${"!".repeat(d)}true`
            : kind === ".x"
              ? `env${".x".repeat(d)}`
              : kind === "contains("
                ? `${"contains(".repeat(d)}'a'${", 'b')".repeat(d)}`
                : `true ${"|| true ".repeat(d)}`;
      return `jobs:\n  a:\n    if: "${expression}"\n    steps: [{ run: x }]\n`;
    }),
  fc
    .integer({ min: 1, max: 80 })
    .map(
      (n) =>
        `a0: &a0 [x]\n${Array.from({ length: n }, (_, i) => `a${i + 1}: &a${i + 1} [*a${i}, *a${i}]`).join("\n")}\njobs:\n  a:\n    steps: [{ run: x }]\n`,
    ),
);
