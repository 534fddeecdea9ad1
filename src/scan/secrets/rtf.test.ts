import { describe, expect, it } from "vitest";
import { Detector } from "./detect.js";
import { compileRuleSet } from "./rule.js";
import { defaultAllowlists, defaultRules } from "./rules/index.js";
import { isRtf, rtfView } from "./rtf.js";

const detector = new Detector(compileRuleSet(defaultRules, defaultAllowlists));

/** Findings at `medium` and above (the default), as `rule line:column:secret`. */
function found(path: string, text: string, lineMap?: number[]): string[] {
  return detector
    .detect({ path, data: Buffer.from(text), ...(lineMap ? { lineMap } : {}) })
    .matches.filter((m) => m.confidence !== "low")
    .map((m) => `${m.ruleId} ${m.line}:${m.column}:${m.secret}`);
}

// Built at run time so this file holds no literal credential.
const pw = ["Xq7", "vR2", "#mK9"].join("");
const id = ["81f50f8d", "4c1a", "de4d", "8e3f", "c1bc8b429a36"].join("-");
const head = String.raw`{\rtf1\ansi{\fonttbl{\f0\fswiss Arial;}}`;

describe("RTF documents are searched in the text they show", () => {
  it("finds a password that control words split from its name, on the source's line and column", () => {
    const doc = `${head}\n\\pard\\plain DB_PASSWORD=}{\\b ${pw}}\\par\n}`;
    const column = doc.split("\n")[1]!.indexOf(pw) + 1;
    expect(found("notes.rtf", doc)).toEqual([
      `password-assignment 2:${column}:${pw}`,
    ]);
    // The same bytes in a file that is not RTF: the control words hide the value.
    expect(found("notes.txt", doc.replace("{\\rtf1", "{\\xyz1"))).toEqual([]);
  });

  it("finds a header value that sits on the next source line, and maps diff lines", () => {
    const doc = `${head}\n -H 'x-auth-token: }{\\loch\\ul\\ulc0\\loch\n${id}}{\\loch\n'}\n}`;
    expect(found("api.rtf", doc)).toContain(`generic-api-key 3:1:${id}`);
    expect(found("api.rtf", doc, [10, 11, 12, 13, 14])).toContain(
      `generic-api-key 12:1:${id}`,
    );
  });

  it("does not fire on placeholders inside RTF", () => {
    for (const value of [
      "None",
      "${DB_PASSWORD}",
      "changeme",
      "{{ password }}",
    ])
      expect(
        found(
          "notes.rtf",
          `${head}\n\\pard password = }{\\b ${value.replace(/[{}]/g, "\\$&")}}\\par\n}`,
        ),
        value,
      ).toEqual([]);
  });

  it("decodes escapes and keeps every line break", () => {
    const src =
      String.raw`{\rtf1 a\'41\u66?\{x\}\\` + "\n" + String.raw`\par b}`;
    expect(isRtf(Buffer.from(src))).toBe(true);
    expect(isRtf(Buffer.from("{\\xyz1 rtf}"))).toBe(false);
    const view = rtfView(Buffer.from(src));
    expect(view.data.toString("latin1")).toBe("aAB{x}\\\n b");
    expect(src[view.offsets[1]!]).toBe("\\");
  });
});
