// Bad policies: each refused when it loads, with one message at file:line:col.
import { describe, expect, it } from "vitest";
import { AppError } from "../kernel/index.js";
import { parsePolicy } from "./loader.js";

const rule = (when: string, extra = "") =>
  `rules:\n  - name: r\n    when: ${when}\n    decision: deny\n    message: m\n${extra}`;

function refusal(text: string): AppError {
  try {
    parsePolicy(text, "policy.yml");
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("the policy was accepted");
}

const at = (e: AppError) =>
  `${e.location?.file}:${e.location?.line}:${e.location?.column}: ${e.message}`;

describe("parsePolicy refuses", () => {
  it.each([
    {
      name: "a rule that reads an unknown fact",
      text: rule("riks > 70"),
      error:
        "policy.yml:3:11: rule `r`: CEL type error at column 1 of `when`: unknown fact `riks` (see docs/policy.md for the facts)",
    },
    {
      name: "an unknown fact deep in an expression",
      text: rule(
        "linesChanged > 10 && findings.high > 0 || author == reviewer",
      ),
      error:
        "policy.yml:3:63: rule `r`: CEL type error at column 53 of `when`: unknown fact `reviewer` (see docs/policy.md for the facts)",
    },
    {
      name: "a CEL syntax error, at its position in the file",
      text: rule("'linesChanged > && true'"),
      error:
        "policy.yml:3:27: rule `r`: CEL syntax error at column 16 of `when`: Unexpected token: AND",
    },
    {
      name: "a rule of the wrong result type",
      text: rule("linesChanged + 1"),
      error:
        "policy.yml:3:11: rule `r`: CEL type error at column 1 of `when`: gives int, not a bool",
    },
    {
      name: "a comparison of mismatched types",
      text: rule("author == 1"),
      error:
        "policy.yml:3:11: rule `r`: CEL type error at column 1 of `when`: no such overload: string == int",
    },
    {
      name: "a hold without approvals",
      text: "rules:\n  - name: r\n    when: risk > 1\n    decision: hold\n    message: m\n",
      error:
        "policy.yml:4:15: rule `r` holds but says no `approvals` (count and group)",
    },
    {
      name: "approvals on a deny",
      text: rule("risk > 1", "    approvals: { count: 1, group: g }\n"),
      error:
        "policy.yml:6:16: rule `r` has `approvals` but decides deny; only hold needs approvals",
    },
    {
      name: "an unknown decision",
      text: "rules:\n  - name: r\n    when: risk > 1\n    decision: allow\n    message: m\n",
      error:
        'policy.yml:4:15: `decision` of rule 1 must be one of "approve", "hold", "deny", not "allow"',
    },
    {
      name: "an unknown key",
      text: rule("risk > 1", "    mesage: m\n"),
      error:
        "policy.yml:6:5: unknown key `mesage` in rule 1; did you mean `message`?",
    },
    {
      name: "malformed YAML",
      text: "rules:\n  - name: r\n    when: [risk > 1\n",
      error:
        "policy.yml:4:1: malformed YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    },
    {
      name: "a rule name used twice",
      text:
        rule("risk > 1") +
        "  - name: r\n    when: risk > 2\n    decision: approve\n    message: m\n",
      error: "policy.yml:6:11: rule name `r` is used twice",
    },
    {
      name: "a time zone that does not exist",
      text: "timezone: Mars/Olympus\n" + rule("risk > 1"),
      error:
        'policy.yml:1:11: `timezone` "Mars/Olympus" is not an IANA time zone such as Europe/Berlin',
    },
    {
      name: "a freeze window with a start and no end",
      text:
        "freezeWindows:\n  - { name: x, start: '2026-12-20T00:00:00Z' }\n" +
        rule("risk > 1"),
      error:
        "policy.yml:2:5: freeze window `x` needs both `start` and `end`, or only `weekdays`/`from`/`to`",
    },
    {
      name: "a policy without rules",
      text: "timezone: UTC\n",
      error: "policy.yml:1:1: The policy has no `rules`",
    },
  ])("$name", ({ text, error }) => {
    const e = refusal(text);
    expect(e.code).toBe("CONFIG_INVALID");
    expect(at(e)).toBe(error);
    expect(e.message).not.toContain("\n");
  });
});
