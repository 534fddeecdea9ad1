import type { Severity } from "../finding.js";

/** A computed CVSS base score and the version it came from. */
export interface CvssScore {
  score: number;
  version: "3.0" | "3.1" | "4.0";
  /** True when the score is sluice's v4 → v3.1 approximation (docs/adr/050-cvss-v4-approximation.md). */
  approximate: boolean;
}

function metrics(vector: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of vector.split("/").slice(1)) {
    const [key, value] = part.split(":");
    if (key && value) map.set(key, value);
  }
  return map;
}

/** CVSS v3.x "Roundup": the smallest one-decimal number >= x, free of float noise. */
function roundUp(x: number): number {
  const scaled = Math.round(x * 100_000);
  return scaled % 10_000 === 0
    ? scaled / 100_000
    : (Math.floor(scaled / 10_000) + 1) / 10;
}

const av: Record<string, number> = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 };
const ac: Record<string, number> = { L: 0.77, H: 0.44 };
const ui: Record<string, number> = { N: 0.85, R: 0.62 };
const cia: Record<string, number> = { H: 0.56, L: 0.22, N: 0 };

interface V3Metrics {
  AV: string;
  AC: string;
  PR: string;
  UI: string;
  S: string;
  C: string;
  I: string;
  A: string;
}

/** The CVSS v3.1 base score of already-decoded metrics; undefined when a metric is missing. */
function v3Base(m: V3Metrics): number | undefined {
  const changed = m.S === "C";
  const pr: Record<string, number> = {
    N: 0.85,
    L: changed ? 0.68 : 0.62,
    H: changed ? 0.5 : 0.27,
  };
  const values = [
    av[m.AV],
    ac[m.AC],
    pr[m.PR],
    ui[m.UI],
    cia[m.C],
    cia[m.I],
    cia[m.A],
  ];
  if (values.some((v) => v === undefined) || (m.S !== "U" && m.S !== "C"))
    return undefined;
  const [vAV, vAC, vPR, vUI, vC, vI, vA] = values as number[];
  const iss = 1 - (1 - vC!) * (1 - vI!) * (1 - vA!);
  const impact = changed
    ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15
    : 6.42 * iss;
  const exploitability = 8.22 * vAV! * vAC! * vPR! * vUI!;
  if (impact <= 0) return 0;
  return changed
    ? roundUp(Math.min(1.08 * (impact + exploitability), 10))
    : roundUp(Math.min(impact + exploitability, 10));
}

/** The base score of a `CVSS:3.0/…`, `CVSS:3.1/…` or `CVSS:4.0/…` vector; undefined when unreadable. */
export function cvssBaseScore(vector: string): CvssScore | undefined {
  const m = metrics(vector);
  if (vector.startsWith("CVSS:3.")) {
    const score = v3Base({
      AV: m.get("AV") ?? "",
      AC: m.get("AC") ?? "",
      PR: m.get("PR") ?? "",
      UI: m.get("UI") ?? "",
      S: m.get("S") ?? "",
      C: m.get("C") ?? "",
      I: m.get("I") ?? "",
      A: m.get("A") ?? "",
    });
    if (score === undefined) return undefined;
    return {
      score,
      version: vector.startsWith("CVSS:3.0") ? "3.0" : "3.1",
      approximate: false,
    };
  }
  if (vector.startsWith("CVSS:4.0/")) {
    // Approximation (ADR 050): v4 base metrics mapped onto the v3.1 equation. Subsequent-system
    // impact (SC/SI/SA) stands in for a changed scope; AT:P makes the attack complexity high.
    const worst = (a?: string, b?: string) =>
      a === "H" || b === "H" ? "H" : a === "L" || b === "L" ? "L" : "N";
    const subsequent = ["SC", "SI", "SA"].some(
      (k) => m.get(k) === "H" || m.get(k) === "L",
    );
    const score = v3Base({
      AV: m.get("AV") ?? "",
      AC:
        m.get("AC") === "H" || m.get("AT") === "P"
          ? "H"
          : m.get("AC") === "L"
            ? "L"
            : "",
      PR: m.get("PR") ?? "",
      UI:
        m.get("UI") === "N"
          ? "N"
          : m.get("UI") === "P" || m.get("UI") === "A"
            ? "R"
            : "",
      S: subsequent ? "C" : "U",
      C: subsequent ? worst(m.get("VC"), m.get("SC")) : (m.get("VC") ?? ""),
      I: subsequent ? worst(m.get("VI"), m.get("SI")) : (m.get("VI") ?? ""),
      A: subsequent ? worst(m.get("VA"), m.get("SA")) : (m.get("VA") ?? ""),
    });
    if (score === undefined) return undefined;
    return { score, version: "4.0", approximate: true };
  }
  return undefined;
}

/** The qualitative rating of a CVSS score (v3/v4 share the bands). */
export function severityOfScore(score: number): Severity {
  if (score >= 9) return "critical";
  if (score >= 7) return "high";
  if (score >= 4) return "medium";
  if (score > 0) return "low";
  return "info";
}

/** GitHub's `database_specific.severity` (LOW, MODERATE, HIGH, CRITICAL) as a sluice severity. */
export function severityOfLabel(label: unknown): Severity | undefined {
  if (typeof label !== "string") return undefined;
  switch (label.toUpperCase()) {
    case "CRITICAL":
      return "critical";
    case "HIGH":
      return "high";
    case "MODERATE":
    case "MEDIUM":
      return "medium";
    case "LOW":
      return "low";
    default:
      return undefined;
  }
}
