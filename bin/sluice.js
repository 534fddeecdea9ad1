#!/usr/bin/env node
import { main } from "../dist/bundle/main.js";

const code = await main(process.argv);
// Exit explicitly (a command is done when main returns, whatever handles a library left open),
// but only once stdout and stderr have flushed: a large report piped to another program must
// arrive whole.
const flushed = (stream) => new Promise((resolve) => stream.write("", resolve));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
