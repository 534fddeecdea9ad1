import { describe, expect, it } from "vitest";
import { parseTrailers, withoutTrailers } from "./trailers.js";

describe("parseTrailers: git's rules", () => {
  it.each<[string, string, [string, string][]]>([
    ["a subject only", "Fix it", []],
    ["the subject is never a trailer", "Refs: 123", []],
    ["a body without trailers", "Fix it\n\nBecause it broke.", []],
    [
      "one trailer",
      "Fix it\n\nSigned-off-by: Ada <ada@example.com>",
      [["Signed-off-by", "Ada <ada@example.com>"]],
    ],
    [
      "repeated keys keep their order",
      "Fix\n\nbody\n\nCo-authored-by: A <a@x>\nAssisted-by: Claude\nCo-authored-by: B <b@x>",
      [
        ["Co-authored-by", "A <a@x>"],
        ["Assisted-by", "Claude"],
        ["Co-authored-by", "B <b@x>"],
      ],
    ],
    [
      "a folded trailer (continuation lines start with a blank)",
      "Fix\n\nCo-authored-by: Claude\n  <noreply@anthropic.com>\nNote: one\n\ttwo\n three",
      [
        ["Co-authored-by", "Claude <noreply@anthropic.com>"],
        ["Note", "one two three"],
      ],
    ],
    [
      "blanks before the colon (`Key : value`)",
      "Fix\n\nAssisted-by : Claude:claude-sonnet-4\nRefs\t: 12",
      [
        ["Assisted-by", "Claude:claude-sonnet-4"],
        ["Refs", "12"],
      ],
    ],
    [
      "a last paragraph with prose is not a trailer block",
      "Fix\n\nSee: this\nand some prose",
      [],
    ],
    ["a key with a blank inside is prose", "Fix\n\nSee also: this", []],
    ["a line starting with a colon is prose", "Fix\n\n: value", []],
    [
      "prose with git's own Signed-off-by: trailers make a quarter of the lines",
      "Fix\n\nsome prose\nmore prose\nstill prose\nSigned-off-by: A <a@x>",
      [["Signed-off-by", "A <a@x>"]],
    ],
    [
      "prose with Signed-off-by, trailers under a quarter: no block",
      "Fix\n\np1\np2\np3\np4\nSigned-off-by: A <a@x>",
      [],
    ],
    [
      "only the last paragraph counts",
      "Fix\n\nKey: in the body\n\nOther: last",
      [["Other", "last"]],
    ],
    [
      "comment lines are skipped, trailing blank lines too",
      "Fix\n\nA: 1\n# a comment\nB: 2\n\n\n",
      [
        ["A", "1"],
        ["B", "2"],
      ],
    ],
    [
      "a multi-line title is still the title",
      "Fix: line one\nline two: more\n\nX-Y: z",
      [["X-Y", "z"]],
    ],
  ])("%s", (_name, message, expected) => {
    expect(parseTrailers(message)).toEqual(expected);
  });
});

describe("withoutTrailers", () => {
  it.each([
    ["Subject only", "Subject only"],
    ["Subject\n\nBody\n\nSigned-off-by: A <a@x>", "Subject\n\nBody"],
    ["Subject\n\nSigned-off-by: A <a@x>\n", "Subject"],
    ["Subject\n\nBody\n\nCo-authored-by: A\n  <a@x>", "Subject\n\nBody"],
    // One paragraph: the `Key: value` line is the subject, not a trailer.
    ["Fix: the bug", "Fix: the bug"],
    [
      "Subject\n\nBody with: a colon\nand prose",
      "Subject\n\nBody with: a colon\nand prose",
    ],
  ])("%j → %j", (message, expected) => {
    expect(withoutTrailers(message)).toBe(expected);
  });
});
