import { describe, expect, it } from "vitest";
import {
  Masker,
  MaskingStream,
  base64Core,
  maskText,
  maxHeldLine,
} from "./masker.js";
import type { CredentialFinder } from "./masker.js";

const secret = 's3cr3t-Value/42+"quoted"&<x>';

function maskerWith(...secrets: string[]): Masker {
  const masker = new Masker();
  for (const s of secrets) masker.add(s);
  return masker;
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

describe("Masker", () => {
  const masker = maskerWith(secret);
  it.each([
    ["raw", `token=${secret};`],
    ["base64, aligned", b64(secret)],
    ["base64, shifted by 1 byte", b64(`a${secret}`)],
    ["base64, shifted by 2 bytes", b64(`ab${secret}`)],
    ["base64 inside a longer value", b64(`user:${secret}:tail`)],
    ["JSON-escaped", JSON.stringify({ password: secret })],
    ["URL-encoded", `https://x.test/?p=${encodeURIComponent(secret)}`],
    [
      "XML-escaped",
      `<p v="${secret.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;")}"/>`,
    ],
    ["command-line-escaped", `cmd "${secret.replaceAll('"', '\\"')}"`],
  ])("masks the %s form", (_form, printed) => {
    const masked = masker.mask(printed);
    expect(masked).toContain(maskText);
    // Whatever is left cannot decode back to the secret.
    expect(masked).not.toContain(secret);
    expect(masked.length).toBeLessThan(printed.length);
    const unmaskedBase64 = printed.match(/[A-Za-z0-9+/]{8,}={0,2}/)?.[0];
    if (unmaskedBase64 && printed !== masked && _form.startsWith("base64")) {
      expect(
        Buffer.from(masked.replaceAll(maskText, ""), "base64").toString(
          "latin1",
        ),
      ).not.toContain("s3cr3t");
    }
  });

  it("masks each line of a multi-line value, and the whole value", () => {
    const key =
      "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\n-----END KEY-----";
    const m = maskerWith(key);
    expect(m.mask(`x ${key} y`)).toBe(`x ${maskText} y`);
    expect(m.mask("line: MIIEvQIBADANBgkqhkiG9w0B")).toBe(`line: ${maskText}`);
    expect(m.mask("  -----END KEY-----")).toBe(`  ${maskText}`);
  });

  it("merges overlapping matches into one mask", () => {
    const m = maskerWith("abcdef", "defghi");
    expect(m.mask("xxabcdefghixx")).toBe(`xx${maskText}xx`);
  });

  it("leaves text without secrets alone", () => {
    expect(masker.mask("nothing to see here")).toBe("nothing to see here");
  });

  it.each([[""], ["abc"]])("refuses the too-short secret %j", (value) => {
    expect(() => new Masker().add(value)).toThrow(/at least 4 characters/);
  });

  it.each([
    [0, "hello"],
    [1, "hello"],
    [2, "hello"],
    [0, "hello!"],
    [1, "héllo wörld"],
    [2, "x".repeat(31)],
  ])(
    "base64Core at shift %i of %j is inside the base64 of any prefix of that length",
    (shift, value) => {
      const core = base64Core(Buffer.from(value), shift);
      for (const prefix of ["", "A", "BC", "DEF", "GHIJ"].filter(
        (p) => p.length % 3 === shift,
      )) {
        for (const suffix of ["", "z", "zz", "zzz"]) {
          expect(b64(prefix + value + suffix)).toContain(core);
        }
      }
    },
  );
});

describe("MaskingStream", () => {
  it("masks a value split across two chunks, at every split point", () => {
    const m = maskerWith(secret);
    const text = `before ${secret} after ${b64(`u:${secret}`)} end`;
    for (let cut = 1; cut < text.length; cut++) {
      const stream = new MaskingStream(m);
      const out =
        stream.push(text.slice(0, cut)) +
        stream.push(text.slice(cut)) +
        stream.flush();
      expect(out).toBe(m.mask(text));
      expect(out).not.toContain(secret);
    }
  });

  it("masks a value dribbled one character per chunk", () => {
    const m = maskerWith("hunter2hunter2");
    const stream = new MaskingStream(m);
    let out = "";
    for (const ch of "pw=hunter2hunter2.") out += stream.push(ch);
    out += stream.flush();
    expect(out).toBe(`pw=${maskText}.`);
  });

  it("holds back no more than the longest form minus one character", () => {
    const m = maskerWith("abcdefgh");
    const stream = new MaskingStream(m);
    const emitted = stream.push("0123456789".repeat(10));
    expect(100 - emitted.length).toBeLessThan(m.maxLength);
    expect(emitted + stream.flush()).toBe("0123456789".repeat(10));
  });

  it("passes text straight through when nothing is registered", () => {
    const stream = new MaskingStream(new Masker());
    expect(stream.push("abc")).toBe("abc");
    expect(stream.flush()).toBe("");
  });

  it("never splits a surrogate pair", () => {
    const m = maskerWith("abcdefgh");
    const stream = new MaskingStream(m);
    const text = "x😀".repeat(20);
    let out = "";
    for (let i = 0; i < text.length; i += 3) {
      const piece = stream.push(text.slice(i, i + 3));
      if (piece.length > 0) {
        const last = piece.charCodeAt(piece.length - 1);
        expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
      }
      out += piece;
    }
    expect(out + stream.flush()).toBe(text);
  });
});

describe("::add-mask:: commands", () => {
  const text =
    "start\n::add-mask::gen-token-123\nuse gen-token-123 now\nsay ::add-mask::not-a-command\n";
  const expected =
    "start\n::add-mask::***\nuse *** now\nsay ::add-mask::not-a-command\n";

  it("registers the value, hides the command line's value and masks it afterwards, at every split point", () => {
    for (let cut = 0; cut <= text.length; cut++) {
      const masker = new Masker();
      const stream = new MaskingStream(masker, true);
      const out =
        stream.push(text.slice(0, cut)) +
        stream.push(text.slice(cut)) +
        stream.flush();
      expect(out).toBe(expected);
    }
  });

  it("handles a command on the last line without a newline, and ignores too-short values", () => {
    const masker = new Masker();
    const stream = new MaskingStream(masker, true);
    expect(
      stream.push("::add-mask::ab\n") + stream.push("::add-mask::last-one"),
    ).toBe("::add-mask::***\n");
    expect(stream.flush()).toBe("::add-mask::***");
    expect(masker.mask("ab last-one")).toBe("ab ***");
  });

  it("is off unless asked", () => {
    const stream = new MaskingStream(new Masker());
    expect(stream.push("::add-mask::visible-value\n")).toBe(
      "::add-mask::visible-value\n",
    );
  });
});

describe("credentials nobody declared", () => {
  // A finder in the shape of the scanner's provider rules (the real one is wired in by app.ts and
  // tested end to end): it recognises a token only when the whole token is in the text it sees.
  const token = ["tok", "_", "A1b2C3d4E5f6G7h8"].join("");
  const finder: CredentialFinder = {
    find: (text) => [...new Set(text.match(/\btok_[A-Za-z0-9]{16}\b/g))],
  };
  const text = `start\nexport TOKEN=${token}\r\nprogress ${token} 50%\rdone\n`;
  const expected = `start\nexport TOKEN=${maskText}\r\nprogress ${maskText} 50%\rdone\n`;

  it("masks them at every split point of the stream", () => {
    for (let cut = 0; cut <= text.length; cut++) {
      const stream = new MaskingStream(new Masker({ credentials: finder }));
      const out =
        stream.push(text.slice(0, cut)) +
        stream.push(text.slice(cut)) +
        stream.flush();
      expect(out).toBe(expected);
    }
  });

  it("masks them dribbled one character per chunk, and in whole texts", () => {
    const masker = new Masker({ credentials: finder });
    const stream = new MaskingStream(masker, true);
    let out = "";
    for (const ch of text) out += stream.push(ch);
    expect(out + stream.flush()).toBe(expected);
    expect(masker.mask(`note ${token}`)).toBe(`note ${maskText}`);
  });

  it("holds back an unfinished line only, up to a bound", () => {
    const stream = new MaskingStream(new Masker({ credentials: finder }));
    expect(stream.push("one\ntwo")).toBe("one\n");
    expect(stream.push(" three\n")).toBe("two three\n");
    const long = "x".repeat(maxHeldLine + 10);
    expect(stream.push(long)).toBe("x".repeat(10));
    expect(stream.flush()).toBe("x".repeat(maxHeldLine));
  });
});

describe("the one-pass search of registered forms", () => {
  // The reference: every occurrence of every form by indexOf, merged as the masker merges them.
  function naiveSpans(forms: Iterable<string>, text: string) {
    const found: [number, number][] = [];
    for (const form of forms) {
      for (
        let at = text.indexOf(form);
        at !== -1;
        at = text.indexOf(form, at + 1)
      )
        found.push([at, at + form.length]);
    }
    found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    const merged: [number, number][] = [];
    for (const span of found) {
      const last = merged[merged.length - 1];
      if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
      else merged.push([span[0], span[1]]);
    }
    return merged;
  }

  it("finds what indexOf finds: short and long values, overlapping and adjacent, non-ASCII", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const pick = (chars: string[], n: number) =>
      Array.from(
        { length: n },
        () => chars[Math.floor(random() * chars.length)],
      ).join("");
    // Secrets of these characters have no JSON, XML or quote-escaped forms of their own.
    const secretChars = [..."abab9\u00e9\u{1F600}"];
    const textChars = [...secretChars, ..."xy/+=\n ", "%C3%A9"];
    for (let round = 0; round < 400; round++) {
      const secrets = Array.from({ length: 1 + Math.floor(random() * 8) }, () =>
        pick(secretChars, 4 + Math.floor(random() * 12)),
      );
      const masker = maskerWith(...secrets);
      const forms = new Set<string>();
      for (const secret of secrets) {
        forms.add(secret).add(encodeURIComponent(secret));
        for (const shift of [0, 1, 2])
          forms.add(base64Core(Buffer.from(secret), shift));
      }
      const pieces = [
        ...secrets,
        ...secrets.map(encodeURIComponent),
        ...secrets.map((x) => b64(`ab${x}`)),
      ];
      const text = Array.from({ length: 30 }, () =>
        random() < 0.4
          ? pieces[Math.floor(random() * pieces.length)]!
          : pick(textChars, 1 + Math.floor(random() * 6)),
      ).join("");
      const valid = [...forms].filter((f) => f.length >= 4);
      expect(masker.spans(text)).toEqual(naiveSpans(valid, text));
    }
  });
});
