#!/usr/bin/env node
import { main } from "../dist/cli/main.js";

// Exit explicitly: a command is done when main returns, whatever handles a library left open.
process.exit(await main(process.argv));
