/** What the server routes (`routes/server.ts`) may ask of the process that serves them. */
export interface ServerControl {
  /** `on-demand`: started by a command, exits when idle; `serve`: `sluice serve`, never idle. */
  mode: "on-demand" | "serve";
  startedAt: Date;
  /** Idle time before an on-demand server exits. */
  idleMs: number | undefined;
  /** Requests in flight on the local socket (the asking one included). */
  inFlight(): number;
  /** Told when a run it executes starts (true) and ends (false): a server with runs is not idle. */
  busy?(busy: boolean): void;
  /** Begins a graceful stop (the answer to the asking request is sent first). */
  stop(reason: string): void;
}
