import { describe, expect, it } from "vitest";
import { LineSplitter } from "./lines.js";

describe("LineSplitter", () => {
  it.each([
    [["a\nb\n"], ["a", "b"]],
    [
      ["a", "b\nc"],
      ["ab", "c"],
    ],
    [["one\r\ntwo\r\n"], ["one", "two"]],
    [["\n\n"], ["", ""]],
    [["end"], ["end"]],
    [["a\nlast"], ["a", "last"]],
    [["abcdefghij"], ["abcd", "efgh", "ij"]],
    [
      ["ab", "cdef\n"],
      ["abcd", "ef"],
    ],
  ])("%j → %j (max line 4)", (chunks, lines) => {
    const splitter = new LineSplitter(4);
    const out = chunks.flatMap((c) => splitter.push(c));
    expect([...out, ...splitter.flush()]).toEqual(lines);
  });
});
