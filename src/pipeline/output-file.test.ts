import { describe, expect, it } from "vitest";
import { parseOutputFile } from "./output-file.js";

describe("parseOutputFile", () => {
  it.each([
    ["version=1.2.3\n", { version: "1.2.3" }],
    ["a=1\nb=x=y\n", { a: "1", b: "x=y" }],
    ["a=1\na=2\n", { a: "2" }],
    ["empty=\n", { empty: "" }],
    [
      "notes<<EOF\nline one\nline two\nEOF\nnext=ok\n",
      { notes: "line one\nline two", next: "ok" },
    ],
    [
      'json<<ghadelimiter_1\n{"a": "b=c"}\nghadelimiter_1\n',
      { json: '{"a": "b=c"}' },
    ],
    ["crlf=yes\r\nother=1\r\n", { crlf: "yes", other: "1" }],
    ["open<<END\nno end", { open: "no end" }],
    ["\n\nnoequals\n", {}],
  ])("%j → %j", (text, expected) => {
    expect(parseOutputFile(text)).toEqual(expected);
  });
});
