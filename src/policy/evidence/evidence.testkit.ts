// Statements and a filled evidence log for the evidence tests.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../kernel/index.js";
import { EvidenceLog, evidenceLogFile } from "./log.js";
import { loadSigningKey } from "./key.js";
import type { SigningKey } from "./key.js";
import { provenanceStatement, vsaStatement } from "./statement.js";
import type { Statement } from "./statement.js";

const digest = (n: number) => n.toString(16).padStart(2, "0").repeat(32);

export function provenanceOf(n: number, environment = "production"): Statement {
  return provenanceStatement({
    release: { name: `shop-${n}`, sha256: digest(n) },
    project: "shop",
    environment,
    commit: `${n}`.padStart(40, "a"),
    runId: `run-${n}`,
    steps: [
      { job: "build", step: "npm ci", status: "passed" },
      { job: "test", step: "npm test", status: "passed" },
    ],
    startedOn: new Date(Date.UTC(2026, 11, n, 10, 0, 0)),
    finishedOn: new Date(Date.UTC(2026, 11, n, 10, 5, 0)),
    builderVersion: "0.1.0",
  });
}

export function vsaOf(
  n: number,
  environment = "production",
  decision: "approve" | "hold" | "deny" = "approve",
): Statement {
  return vsaStatement({
    release: { name: `shop-${n}`, sha256: digest(n) },
    project: "shop",
    environment,
    commit: `${n}`.padStart(40, "a"),
    runId: `run-${n}`,
    policy: { uri: ".sluice/policy.yml", sha256: digest(200) },
    decision: {
      decision,
      reasons: ["small: small tested change"],
      fired: [
        {
          rule: "small",
          decision,
          message: "small tested change",
          facts: { linesChanged: 12 },
        },
      ],
      risk: { score: 10, factors: [] },
      unknownFacts: [],
      defaulted: false,
    },
    facts: { linesChanged: 12, testsChanged: true },
    checks: [{ job: "test", step: "npm test", status: "passed" }],
    verifiedAt: new Date(Date.UTC(2026, 11, n, 10, 6, 0)),
  });
}

/** A home with a key and `count` deployments' evidence (provenance then VSA) in production and staging. */
export async function filledHome(
  count = 3,
): Promise<{ home: string; key: SigningKey; path: string }> {
  const home = mkdtempSync(join(tmpdir(), "sluice-evidence-"));
  const key = loadSigningKey({ home });
  const path = join(home, evidenceLogFile);
  const log = new EvidenceLog({
    path,
    privateKey: key.privateKey,
    clock: systemClock,
  });
  for (let n = 1; n <= count; n++) {
    await log.record(provenanceOf(n));
    await log.record(vsaOf(n));
    await log.record(vsaOf(n, "staging"));
  }
  return { home, key, path };
}
