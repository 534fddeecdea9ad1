import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cvssBaseScore } from "./cvss.js";
import { matchRecord, severityOf } from "./osv.js";
import type { OsvEvent, OsvRecord } from "./osv.js";
import { describeWithShared } from "../../../test/support/shared.js";

const osvDir = fileURLToPath(
  new URL("../../../../shared/conformance/osv/", import.meta.url),
);

function record(
  ecosystem: string,
  name: string,
  type: "SEMVER" | "ECOSYSTEM",
  events: OsvEvent[],
  versions?: string[],
): OsvRecord {
  return {
    id: "TEST-1",
    modified: "2024-01-01T00:00:00Z",
    affected: [
      {
        package: { ecosystem, name },
        ranges: [{ type, events }],
        ...(versions ? { versions } : {}),
      },
    ],
  };
}

/** [case, record, ecosystem, name, installed version, affected?, nearest fixed version] */
const table: [string, OsvRecord, string, string, string, boolean, string?][] = [
  // introduced / fixed
  [
    "npm introduced 0, below fixed",
    record("npm", "a", "ECOSYSTEM", [{ introduced: "0" }, { fixed: "1.2.3" }]),
    "npm",
    "a",
    "1.2.2",
    true,
    "1.2.3",
  ],
  [
    "npm at fixed",
    record("npm", "a", "ECOSYSTEM", [{ introduced: "0" }, { fixed: "1.2.3" }]),
    "npm",
    "a",
    "1.2.3",
    false,
  ],
  [
    "npm below introduced",
    record("npm", "a", "ECOSYSTEM", [
      { introduced: "1.0.0" },
      { fixed: "1.2.3" },
    ]),
    "npm",
    "a",
    "0.9.0",
    false,
  ],
  [
    "npm pre-release inside the range (no satisfies() pre-release trap)",
    record("npm", "a", "ECOSYSTEM", [{ introduced: "0" }, { fixed: "2.0.0" }]),
    "npm",
    "a",
    "2.0.0-rc.1",
    true,
    "2.0.0",
  ],
  [
    "npm other package",
    record("npm", "a", "ECOSYSTEM", [{ introduced: "0" }]),
    "npm",
    "b",
    "1.0.0",
    false,
  ],
  // last_affected
  [
    "crates last_affected equal",
    record("crates.io", "smallvec", "SEMVER", [
      { introduced: "0.6.0" },
      { last_affected: "1.6.0" },
    ]),
    "crates.io",
    "smallvec",
    "1.6.0",
    true,
  ],
  [
    "crates after last_affected",
    record("crates.io", "smallvec", "SEMVER", [
      { introduced: "0.6.0" },
      { last_affected: "1.6.0" },
    ]),
    "crates.io",
    "smallvec",
    "1.6.1",
    false,
  ],
  // limit
  [
    "limit above: affected",
    record("npm", "a", "SEMVER", [{ introduced: "1.0.0" }, { limit: "2.0.0" }]),
    "npm",
    "a",
    "1.5.0",
    true,
  ],
  [
    "at limit: not affected",
    record("npm", "a", "SEMVER", [{ introduced: "1.0.0" }, { limit: "2.0.0" }]),
    "npm",
    "a",
    "2.0.0",
    false,
  ],
  [
    "limit *",
    record("npm", "a", "SEMVER", [{ introduced: "1.0.0" }, { limit: "*" }]),
    "npm",
    "a",
    "9.0.0",
    true,
  ],
  // introduced only
  [
    "introduced only",
    record("Go", "example.com/m", "SEMVER", [{ introduced: "0" }]),
    "Go",
    "example.com/m",
    "3.1.0",
    true,
  ],
  // versions list
  [
    "versions list hit",
    record("PyPI", "123bla", "ECOSYSTEM", [], ["0.0.1"]),
    "PyPI",
    "123bla",
    "0.0.1",
    true,
  ],
  [
    "versions list miss",
    record("PyPI", "123bla", "ECOSYSTEM", [], ["0.0.1"]),
    "PyPI",
    "123bla",
    "0.0.2",
    false,
  ],
  // multiple spans in one range, unsorted events (GHSA converter output)
  [
    "two spans, second",
    record("npm", "mixin-deep", "SEMVER", [
      { introduced: "0" },
      { introduced: "2.0.0" },
      { fixed: "2.0.1" },
      { fixed: "1.3.2" },
    ]),
    "npm",
    "mixin-deep",
    "2.0.0",
    true,
    "2.0.1",
  ],
  [
    "two spans, gap",
    record("npm", "mixin-deep", "SEMVER", [
      { introduced: "0" },
      { introduced: "2.0.0" },
      { fixed: "2.0.1" },
      { fixed: "1.3.2" },
    ]),
    "npm",
    "mixin-deep",
    "1.5.0",
    false,
  ],
  [
    "two spans, first",
    record("npm", "mixin-deep", "SEMVER", [
      { introduced: "0" },
      { introduced: "2.0.0" },
      { fixed: "2.0.1" },
      { fixed: "1.3.2" },
    ]),
    "npm",
    "mixin-deep",
    "1.3.1",
    true,
    "1.3.2",
  ],
  // PyPI: PEP 440 and name normalisation
  [
    "PyPI normalised name, pre-release",
    record("PyPI", "products-pluggableauthservice", "ECOSYSTEM", [
      { introduced: "0" },
      { fixed: "2.6.1" },
    ]),
    "PyPI",
    "Products.PluggableAuthService",
    "2.6.1rc1",
    true,
    "2.6.1",
  ],
  [
    "PyPI post-release of fixed",
    record("PyPI", "x", "ECOSYSTEM", [{ introduced: "0" }, { fixed: "2.6.1" }]),
    "PyPI",
    "x",
    "2.6.1.post1",
    false,
  ],
  [
    "PyPI epoch",
    record("PyPI", "x", "ECOSYSTEM", [{ introduced: "0" }, { fixed: "2.0" }]),
    "PyPI",
    "x",
    "1!1.0",
    false,
  ],
  // Go: pseudo-versions, +incompatible, stdlib toolchain versions
  [
    "Go pseudo-version before fix",
    record("Go", "golang.org/x/sys", "SEMVER", [
      { introduced: "0" },
      { fixed: "0.0.0-20220412211240-33da011f77ad" },
    ]),
    "Go",
    "golang.org/x/sys",
    "0.0.0-20210630005230-0f9fa26af87c",
    true,
    "0.0.0-20220412211240-33da011f77ad",
  ],
  [
    "Go +incompatible",
    record("Go", "github.com/docker/docker", "SEMVER", [
      { introduced: "0" },
      { fixed: "20.10.11+incompatible" },
    ]),
    "Go",
    "github.com/docker/docker",
    "20.10.7+incompatible",
    true,
    "20.10.11+incompatible",
  ],
  [
    "Go stdlib second span",
    record("Go", "stdlib", "SEMVER", [
      { introduced: "0" },
      { fixed: "1.21.12" },
      { introduced: "1.22.0-0" },
      { fixed: "1.22.5" },
    ]),
    "Go",
    "stdlib",
    "1.22.1",
    true,
    "1.22.5",
  ],
  [
    "Go stdlib fixed",
    record("Go", "stdlib", "SEMVER", [
      { introduced: "0" },
      { fixed: "1.21.12" },
      { introduced: "1.22.0-0" },
      { fixed: "1.22.5" },
    ]),
    "Go",
    "stdlib",
    "1.21.12",
    false,
  ],
  // RubyGems
  [
    "RubyGems four-part",
    record("RubyGems", "actionpack", "ECOSYSTEM", [
      { introduced: "7.0.0" },
      { fixed: "7.0.2.3" },
    ]),
    "RubyGems",
    "actionpack",
    "7.0.2.2",
    true,
    "7.0.2.3",
  ],
  [
    "RubyGems pre-release of fix",
    record("RubyGems", "rack", "ECOSYSTEM", [
      { introduced: "0" },
      { fixed: "2.2.0" },
    ]),
    "RubyGems",
    "rack",
    "2.2.0.beta1",
    true,
    "2.2.0",
  ],
  // Packagist
  [
    "Packagist v-prefixed",
    record("Packagist", "symfony/http-kernel", "ECOSYSTEM", [
      { introduced: "5.0.0" },
      { fixed: "5.4.20" },
    ]),
    "Packagist",
    "Symfony/Http-Kernel",
    "v5.4.19",
    true,
    "5.4.20",
  ],
  [
    "Packagist RC before fix",
    record("Packagist", "a/b", "ECOSYSTEM", [
      { introduced: "0" },
      { fixed: "2.0.0" },
    ]),
    "Packagist",
    "a/b",
    "2.0.0-RC1",
    true,
    "2.0.0",
  ],
  [
    "Packagist patch after fix",
    record("Packagist", "a/b", "ECOSYSTEM", [
      { introduced: "0" },
      { fixed: "2.0.0" },
    ]),
    "Packagist",
    "a/b",
    "2.0.0-p1",
    false,
  ],
  // withdrawn records never match
  [
    "withdrawn",
    {
      ...record("npm", "a", "ECOSYSTEM", [{ introduced: "0" }]),
      withdrawn: "2020-01-01T00:00:00Z",
    },
    "npm",
    "a",
    "1.0.0",
    false,
  ],
];

describe("OSV range evaluation", () => {
  it.each(table)(
    "%s",
    (_name, rec, ecosystem, name, version, affected, fixed) => {
      const match = matchRecord(rec, ecosystem, name, version);
      expect(match !== undefined).toBe(affected);
      if (affected) expect(match?.fixedVersion).toBe(fixed);
    },
  );

  it("explains a match by the deciding events", () => {
    const match = matchRecord(table[0]![1], "npm", "a", "1.0.0");
    expect(match?.explanation).toEqual({
      via: "ECOSYSTEM",
      events: [{ introduced: "0" }, { fixed: "1.2.3" }],
    });
  });
});

describeWithShared(osvDir)("GHSA samples (../shared/conformance/osv)", () => {
  const load = (file: string) =>
    JSON.parse(readFileSync(`${osvDir}${file}`, "utf8")) as OsvRecord;
  const samples = readdirSync(`${osvDir}ghsa-sample`)
    .filter((f) => f.endsWith(".json"))
    .map((f) => load(`ghsa-sample/${f}`));

  it.each([
    ["lodash", "4.17.15", ["GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw"]],
    ["lodash-es", "4.17.15", ["GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw"]],
    ["lodash", "4.17.20", ["GHSA-35jh-r3h4-6jhm"]],
    ["lodash", "4.17.21", []],
    ["minimist", "1.2.0", ["GHSA-vh95-rmgr-6w4m", "GHSA-xvch-5gv4-984h"]],
    ["minimist", "0.2.1", ["GHSA-xvch-5gv4-984h"]],
    ["minimist", "1.2.3", ["GHSA-xvch-5gv4-984h"]],
    ["minimist", "1.2.6", []],
  ])("%s@%s", (name, version, ids) => {
    const hits = samples
      .filter((r) => matchRecord(r, "npm", name, version))
      .map((r) => r.id)
      .sort();
    expect(hits).toEqual(ids);
  });

  it("trusts the ranges over the summary text (GHSA-p6mc says < 4.17.19, the range says fixed 4.17.20)", () => {
    const p6mc = samples.find((r) => r.id === "GHSA-p6mc-m468-83gw")!;
    expect(matchRecord(p6mc, "npm", "lodash", "4.17.19")?.fixedVersion).toBe(
      "4.17.20",
    );
  });

  it.each([
    ["GHSA-35jh-r3h4-6jhm", 7.2, "high"],
    ["GHSA-p6mc-m468-83gw", 7.4, "high"],
    ["GHSA-vh95-rmgr-6w4m", 5.6, "medium"],
    ["GHSA-xvch-5gv4-984h", 9.8, "critical"],
  ])("%s scores %s (%s)", (id, score, severity) => {
    expect(severityOf(samples.find((r) => r.id === id)!)).toMatchObject({
      score,
      severity,
    });
  });

  it.each([
    [
      "tools/ghsa/testdata/equals_with_patch.osv.json",
      "npm",
      "mixin-deep",
      "1.3.1",
      true,
    ],
    [
      "tools/ghsa/testdata/npm_greater_than.osv.json",
      "npm",
      "jquery",
      "2.1.1",
      true,
    ],
    [
      "tools/ghsa/testdata/npm_greater_than.osv.json",
      "npm",
      "jquery",
      "3.0.0",
      false,
    ],
    [
      "tools/ghsa/testdata/pypi_normalize.osv.json",
      "PyPI",
      "Products_PluggableAuthService",
      "2.6.0",
      true,
    ],
    [
      "tools/ghsa/testdata/multiple_ranges_in_package.osv.json",
      "RubyGems",
      "passenger",
      "4.0.4",
      true,
    ],
    [
      "tools/ghsa/testdata/multiple_ranges_in_package.osv.json",
      "RubyGems",
      "passenger",
      "4.0.0",
      false,
    ],
    [
      "tools/ghsa/testdata/equals_no_patch.osv.json",
      "RubyGems",
      "paranoid2",
      "1.1.6",
      true,
    ],
    [
      "tools/ghsa/testdata/withdrawn.osv.json",
      "RubyGems",
      "activesupport",
      "4.2.1",
      false,
    ],
    [
      "tools/osv-linter/testdata/GO-2020-0001.json",
      "Go",
      "github.com/gin-gonic/gin",
      "1.5.0",
      true,
    ],
    [
      "tools/osv-linter/testdata/GO-2024-2963.json",
      "Go",
      "stdlib",
      "1.22.4",
      true,
    ],
    [
      "tools/osv-linter/testdata/PYSEC-2023-74.json",
      "PyPI",
      "requests",
      "2.30.0",
      true,
    ],
    [
      "tools/osv-linter/testdata/PYSEC-2023-74.json",
      "PyPI",
      "requests",
      "2.31.0",
      false,
    ],
    [
      "tools/osv-linter/testdata/MAL-2024-10238.json",
      "PyPI",
      "123bla",
      "0.0.1",
      true,
    ],
  ] as const)(
    "%s: %s %s@%s affected=%s",
    (file, ecosystem, name, version, affected) => {
      expect(
        matchRecord(load(file), ecosystem, name, version) !== undefined,
      ).toBe(affected);
    },
  );
});

describe("CVSS base scores", () => {
  it.each([
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1],
    ["CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9],
    ["CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5],
    ["CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", 0],
  ])("%s = %s", (vector, score) => {
    expect(cvssBaseScore(vector)?.score).toBe(score);
  });

  // v4 is approximated through the v3.1 equation (ADR 050): the severity band must agree with
  // the official v4 scores of these reference vectors.
  it.each([
    [
      "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
      "critical",
    ], // 9.3
    ["CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "high"], // 8.5
    [
      "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:L/VI:L/VA:N/SC:L/SI:L/SA:N",
      "medium",
    ], // 5.1
  ])("v4 %s is %s", (vector, severity) => {
    const rec: OsvRecord = {
      id: "X",
      modified: "",
      severity: [{ type: "CVSS_V4", score: vector }],
    };
    expect(severityOf(rec)).toMatchObject({
      severity,
      source: "CVSS 4.0 (approximated)",
    });
  });

  it("falls back to GitHub's label, then to medium", () => {
    expect(
      severityOf({
        id: "X",
        modified: "",
        database_specific: { severity: "MODERATE" },
      }).severity,
    ).toBe("medium");
    expect(
      severityOf({
        id: "X",
        modified: "",
        database_specific: { severity: "CRITICAL" },
      }).severity,
    ).toBe("critical");
    expect(severityOf({ id: "X", modified: "" })).toEqual({
      severity: "medium",
      source: "unrated",
    });
  });
});
