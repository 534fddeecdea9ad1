/**
 * A key written as a byte array in code, under a secret's name: `#define AESKEY {0x35, 0x34, …}`,
 * `unsigned char key[] = {…}`, `Secret: []byte{…}`, `new byte[] {…}`, `bytes([…])`,
 * `new Uint8Array([…])`, `Buffer.from([…])`. Sixteen numbers or more (an AES-128 key), at least
 * eight of them distinct (a zero-filled buffer is no key). A bare `[…]` list is not read: in
 * scripts it is mostly key codes and lookup tables.
 */
const number = String.raw`(?:0[xX][0-9a-fA-F]{1,2}|\d{1,3})`;
const gap = String.raw`[ \t\r\n\\]*`;
const list = String.raw`${gap}((?:${number}${gap},${gap}){15,1023}${number})${gap},?${gap}`;

const byteArray = new RegExp(
  String.raw`(?:\[[ \t]*\d*[ \t]*\])?[ \t]*(?::=|=|:)?[ \t]*(?:` +
    // A brace initializer, typed or not (C, C++, C#, Java, Go).
    String.raw`(?:\[\][ \t]*(?:byte|uint8)[ \t]*|new[ \t]+(?:unsigned[ \t]+)?(?:byte|sbyte|char)[ \t]*\[[ \t]*\d*[ \t]*\][ \t]*)?\{${list}\}` +
    // A list inside a byte constructor (Python, JavaScript).
    String.raw`|(?:new[ \t]+Uint8Array|Buffer\.from|bytes|bytearray)\([ \t]*\[${list}\]` +
    ")",
  "y",
);

/** The numbers of the byte array right after a name at `at`, or undefined. */
export function byteArrayAfter(
  text: string,
  at: number,
): { start: number; end: number } | undefined {
  byteArray.lastIndex = at;
  const m = byteArray.exec(text);
  const numbers = m?.[1] ?? m?.[2];
  if (!m || numbers === undefined) return undefined;
  const values = numbers
    .split(",")
    .map((v) => Number(v.replace(/[\s\\]/g, "")));
  if (new Set(values).size < 8) return undefined;
  const start = m.index + m[0].lastIndexOf(numbers);
  return { start, end: start + numbers.length };
}
