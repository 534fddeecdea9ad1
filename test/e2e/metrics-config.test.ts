import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { homeForTest } from "../support/local-server.js";
import { assertBuilt, gitRepo, sluice } from "./cli.js";

const pipeline = `name: acme
jobs:
  test:
    steps:
      - run: echo testing
`;

/** Attribution rules in sluice.yml, as a team writes them for its own agent. */
const withRules = `${pipeline}metrics:
  attribution:
    - id: acme-robot
      tool: Acme Robot
      email: robot@acme.dev
    - id: acme-agent-trailer
      tool: Acme Agent
      trailer: Acme-Agent-Session
`;

interface Attributed {
  id: string;
  title: string | null;
  cohort: string;
  markers: { rule: string; tool: string; field: string; evidence: string }[];
}

const home = () => ({
  SLUICE_HOME: homeForTest("sluice-metrics-cfg-home-"),
  SLUICE_DATABASE_URL: "",
});

function commit(
  dir: string,
  message: string,
  who: [string, string] = ["E2E", "e2e@example.com"],
) {
  execFileSync("git", ["commit", "-q", "--allow-empty", "-m", message], {
    cwd: dir,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: who[0],
      GIT_AUTHOR_EMAIL: who[1],
      GIT_COMMITTER_NAME: who[0],
      GIT_COMMITTER_EMAIL: who[1],
    },
  });
}

const head = (dir: string) =>
  execFileSync("git", ["rev-parse", "HEAD"], { cwd: dir }).toString().trim();

describe("sluice metrics: attribution rules from sluice.yml, runs as changes (built CLI)", () => {
  beforeAll(() => assertBuilt());

  it("import-git applies metrics.attribution of ./sluice.yml after the built-in rules", () => {
    const repo = gitRepo({ "sluice.yml": withRules });
    commit(repo, "tune the cache", ["Acme Robot", "robot@acme.dev"]);
    commit(repo, "add search\n\nAcme-Agent-Session: 42");
    commit(repo, "by hand");
    const env = home();
    const imported = sluice(repo, env, ["metrics", "import-git"]);
    expect(imported.stderr).toBe(
      [
        "import-git: read 4 commits",
        "import-git: stored 4 new changes and 4 new deployments",
        "",
      ].join("\n"),
    );
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain("4 changes (2 ai-assisted)");

    const out = sluice(repo, env, ["metrics", "attribution", "--json"]);
    expect(out.code).toBe(0);
    const { changes } = JSON.parse(out.stdout) as { changes: Attributed[] };
    const byTitle = new Map(changes.map((c) => [c.title, c]));
    expect(byTitle.get("tune the cache")).toMatchObject({
      cohort: "ai-assisted",
      markers: [
        {
          rule: "acme-robot",
          tool: "Acme Robot",
          field: "author",
          evidence: "Acme Robot <robot@acme.dev>",
        },
      ],
    });
    expect(byTitle.get("add search")).toMatchObject({
      cohort: "ai-assisted",
      markers: [
        {
          rule: "acme-agent-trailer",
          field: "trailer",
          evidence: "Acme-Agent-Session: 42",
        },
      ],
    });
    expect(byTitle.get("by hand")).toMatchObject({
      cohort: "unmarked",
      markers: [],
    });
  });

  it("adds --attribution-rules FILE to the sluice.yml rules", () => {
    const repo = gitRepo({ "sluice.yml": withRules });
    commit(repo, "ported", ["Other Bot", "bot@other.dev"]);
    commit(repo, "tuned", ["Acme Robot", "robot@acme.dev"]);
    writeFileSync(
      join(repo, "extra.yml"),
      "rules:\n  - id: other-bot\n    tool: Other Bot\n    email: bot@other.dev\n",
    );
    const env = home();
    const imported = sluice(repo, env, [
      "metrics",
      "import-git",
      "--attribution-rules",
      "extra.yml",
    ]);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain("3 changes (2 ai-assisted)");
  });

  it("refuses a rule that matches on a name, with the file and field", () => {
    const repo = gitRepo({
      "sluice.yml": `${pipeline}metrics:\n  attribution:\n    - id: claude-by-name\n      tool: Claude\n      name: Claude\n`,
    });
    const r = sluice(repo, home(), ["metrics", "import-git"]);
    expect(r.code).toBe(2);
    // The config loader's own format: file:line:column, the field, and the line itself.
    expect(r.stderr).toMatch(
      /sluice\.yml:10:7: unknown key `name` in `metrics\.attribution\[0\]`/,
    );
    expect(r.stderr).toContain("a rule with at least one matcher");
  });

  it("a sluice run records the change it ran for, attributed, once per commit", () => {
    const repo = gitRepo({ "sluice.yml": pipeline });
    commit(
      repo,
      "Speed up the tests\n\nCo-authored-by: Codex <noreply@openai.com>",
    );
    const env = home();
    const run = sluice(repo, env, ["run"]);
    expect(run.code).toBe(0);
    // A second run of the same commit is the same change.
    expect(sluice(repo, env, ["run"]).code).toBe(0);

    const out = sluice(repo, env, ["metrics", "attribution", "--json"]);
    expect(out.code).toBe(0);
    const { changes } = JSON.parse(out.stdout) as {
      changes: (Attributed & { project: string })[];
    };
    expect(changes).toEqual([
      expect.objectContaining({
        id: head(repo),
        project: "acme",
        title: "Speed up the tests",
        cohort: "ai-assisted",
        markers: [
          expect.objectContaining({
            rule: "codex-coauthor",
            field: "trailer",
            evidence: "Co-authored-by: Codex <noreply@openai.com>",
          }),
        ],
      }),
    ]);
  });

  it("a sluice run attributes its change with the metrics.attribution rules of its sluice.yml", () => {
    const repo = gitRepo({ "sluice.yml": withRules });
    commit(repo, "add search\n\nAcme-Agent-Session: 42");
    const env = home();
    expect(sluice(repo, env, ["run"]).code).toBe(0);
    const out = sluice(repo, env, ["metrics", "attribution", "--json"]);
    const { changes } = JSON.parse(out.stdout) as { changes: Attributed[] };
    expect(changes).toEqual([
      expect.objectContaining({
        id: head(repo),
        cohort: "ai-assisted",
        markers: [
          expect.objectContaining({
            rule: "acme-agent-trailer",
            tool: "Acme Agent",
            field: "trailer",
          }),
        ],
      }),
    ]);
  });
});
