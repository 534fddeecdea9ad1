// The entry point of the local target's daemon process (spawned detached by LocalTarget).
// Like cli/main.ts it is a process entry, so it reads its own argv and environment.
import { parseArgs } from "node:util";
import { messageOf } from "../../../kernel/index.js";
import { LocalTargetDaemon } from "./daemon.js";

const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    "proxy-port": { type: "string" },
    "grace-ms": { type: "string" },
  },
});
const token = process.env.SLUICE_DAEMON_TOKEN;
if (!values.dir || !token) {
  process.stderr.write(
    "sluice deploy daemon: --dir and SLUICE_DAEMON_TOKEN are required\n",
  );
  process.exit(2);
}
const env = { ...process.env };
delete env.SLUICE_DAEMON_TOKEN;
const daemon = new LocalTargetDaemon({
  dir: values.dir,
  proxyPort: Number(values["proxy-port"] ?? 8080),
  token,
  env,
  ...(values["grace-ms"]
    ? { probes: { graceMs: Number(values["grace-ms"]) } }
    : {}),
});
try {
  const info = await daemon.start();
  process.stderr.write(
    `sluice deploy daemon ${info.pid}: proxy on ${info.proxyPort}, admin on 127.0.0.1:${info.adminPort}\n`,
  );
} catch (error) {
  process.stderr.write(`sluice deploy daemon: ${messageOf(error)}\n`);
  process.exit(1);
}
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => void daemon.shutdown());
}
await daemon.closed;
process.exit(0);
