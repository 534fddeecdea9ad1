import { join } from "node:path";
import type { Clock, Logger } from "../kernel/index.js";
import type {
  DeliveryEvent,
  DeliveryEvents,
  DeploymentEvidence,
  DeployStore,
  FlagKillSwitch,
} from "./ports.js";
import { DeployService } from "./service.js";
import { LocalTarget } from "./targets/local/client.js";

/** The metrics capability's delivery sink, as far as deploy uses it (structural, no import). */
export interface DeliverySinkLike {
  deploymentStarted(f: DeploymentFactsLike): Promise<void>;
  deploymentSucceeded(f: DeploymentFactsLike): Promise<void>;
  deploymentFailed(f: DeploymentFactsLike): Promise<void>;
  deploymentRolledBack(f: DeploymentFactsLike): Promise<void>;
  incidentOpened(f: IncidentFactsLike): Promise<void>;
  incidentResolved(f: IncidentFactsLike): Promise<void>;
}
interface DeploymentFactsLike {
  project: string;
  deploymentId: string;
  environment?: string;
  release?: string;
  commit?: string;
  at?: number;
  source?: string;
}
interface IncidentFactsLike {
  project: string;
  incidentId: string;
  environment?: string;
  deploymentId?: string;
  title?: string;
  at?: number;
  source?: string;
}

/** Maps our events onto the metrics sink. */
export function deliveryEventsTo(sink: DeliverySinkLike): DeliveryEvents {
  return {
    async emit(e: DeliveryEvent) {
      if (!("version" in e)) {
        const facts = {
          project: e.project,
          incidentId: e.incidentId,
          environment: e.environment,
          deploymentId: e.deploymentId,
          at: e.at,
          source: "sluice",
          ...(e.reason ? { title: e.reason } : {}),
        };
        return e.kind === "incident.opened"
          ? sink.incidentOpened(facts)
          : sink.incidentResolved(facts);
      }
      const facts = {
        project: e.project,
        deploymentId: e.deploymentId,
        environment: e.environment,
        release: e.version,
        ...(e.commit ? { commit: e.commit } : {}),
        at: e.at,
        source: "sluice",
      };
      switch (e.kind) {
        case "deployment.started":
          return sink.deploymentStarted(facts);
        case "deployment.succeeded":
          return sink.deploymentSucceeded(facts);
        case "deployment.failed":
          return sink.deploymentFailed(facts);
        case "deployment.rolled_back":
          return sink.deploymentRolledBack(facts);
      }
    },
  };
}

/** A kill switch over a `killFlags(scope, keys, reason, actor)` function (the flag service's). */
export function killSwitchFrom(
  killFlags: (
    scope: { project: string; environment: string },
    keys: string[],
    reason: string,
    actor: string,
  ) => Promise<unknown>,
): FlagKillSwitch {
  return {
    async kill(flags, ctx) {
      await killFlags(
        { project: ctx.project, environment: ctx.environment },
        flags,
        ctx.reason,
        ctx.actor,
      );
    },
  };
}

export interface DeployWiring {
  home: string;
  store: DeployStore;
  clock: Clock;
  logger: Logger;
  /** The node binary and the daemon entry (`dist/deploy/targets/local/daemon-main.js`). */
  daemonCommand: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  killSwitch?: FlagKillSwitch;
  events?: DeliveryEvents;
  evidence?: DeploymentEvidence;
}

/** The deploy service with local targets under `$SLUICE_HOME/deploy/<project>/<environment>`. */
export function createDeployService(w: DeployWiring): DeployService {
  return new DeployService({
    store: w.store,
    clock: w.clock,
    logger: w.logger,
    cwd: w.cwd,
    env: w.env,
    killSwitch: w.killSwitch,
    events: w.events,
    evidence: w.evidence,
    targetFor: (project, environment, spec) =>
      new LocalTarget({
        dir: join(w.home, "deploy", safe(project), safe(environment)),
        proxyPort: spec.proxyPort,
        daemonCommand: w.daemonCommand,
        env: w.env,
      }),
  });
}

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_");
}
