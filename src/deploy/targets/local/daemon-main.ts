// The entry point of the local target's daemon process (spawned detached by LocalTarget).
// With --keeper it is the daemon's supervisor instead: it starts the daemon (this same entry
// without --keeper) and starts it again whenever it dies (keeper.ts).
// Like cli/main.ts it is a process entry, so it reads its own argv and environment.
import { appendFileSync, openSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { messageOf } from "../../../kernel/index.js";
import { LocalTargetDaemon } from "./daemon.js";
import { keepDaemon } from "./keeper.js";

const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    "proxy-port": { type: "string" },
    "grace-ms": { type: "string" },
    keeper: { type: "boolean" },
    "supervisor-pid": { type: "string" },
  },
});
const token = process.env.SLUICE_DAEMON_TOKEN;
if (!values.dir || !token) {
  process.stderr.write(
    "sluice deploy daemon: --dir and SLUICE_DAEMON_TOKEN are required\n",
  );
  process.exit(2);
}

if (values.keeper) {
  const dir = values.dir;
  const args = process.argv
    .slice(2)
    .filter((a) => a !== "--keeper")
    .concat(["--supervisor-pid", String(process.pid)]);
  const keeper = keepDaemon({
    dir,
    command: [process.execPath, ...process.execArgv, process.argv[1]!, ...args],
    env: process.env,
    logFd: openSync(join(dir, "daemon.log"), "a", 0o600),
    log: (line) => appendFileSync(join(dir, "daemon.log"), `${line}\n`),
  });
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const)
    process.on(signal, () => keeper.stop());
  process.exit(await keeper.done);
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
  ...(values["supervisor-pid"]
    ? { supervisorPid: Number(values["supervisor-pid"]) }
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
