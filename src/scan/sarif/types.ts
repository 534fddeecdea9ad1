// The subset of SARIF 2.1.0 that sluice writes and reads (OASIS SARIF v2.1.0, errata 01).

/** The `$schema` sluice writes: the final 2.1.0 schema GitHub accepts (rtm.5 URLs are flagged, GH1011). */
export const sarifSchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

export type SarifLevel = "none" | "note" | "warning" | "error";

interface SarifMessage {
  text?: string;
  markdown?: string;
  id?: string;
}

interface SarifRegion {
  startLine?: number;
  startColumn?: number;
  endLine?: number;
  endColumn?: number;
  snippet?: { text?: string };
}

export interface SarifLocation {
  physicalLocation?: {
    artifactLocation?: { uri?: string; uriBaseId?: string; index?: number };
    region?: SarifRegion;
  };
  logicalLocations?: { name?: string; fullyQualifiedName?: string }[];
  message?: SarifMessage;
}

export interface SarifRule {
  id: string;
  name?: string;
  shortDescription?: SarifMessage;
  fullDescription?: SarifMessage;
  help?: SarifMessage;
  helpUri?: string;
  defaultConfiguration?: { level?: SarifLevel; enabled?: boolean };
  properties?: Record<string, unknown>;
}

export interface SarifResult {
  ruleId?: string;
  ruleIndex?: number;
  rule?: { id?: string; index?: number };
  level?: SarifLevel;
  kind?: string;
  message: SarifMessage;
  locations?: SarifLocation[];
  partialFingerprints?: Record<string, string>;
  fingerprints?: Record<string, string>;
  properties?: Record<string, unknown>;
}

export interface SarifRun {
  tool: {
    driver: {
      name: string;
      version?: string;
      semanticVersion?: string;
      informationUri?: string;
      rules?: SarifRule[];
    };
    extensions?: { name: string; rules?: SarifRule[] }[];
  };
  automationDetails?: { id?: string };
  originalUriBaseIds?: Record<string, { uri?: string }>;
  results?: SarifResult[];
  /** How the tool ran (§3.20): whether it finished, and why not. */
  invocations?: SarifInvocation[];
  properties?: Record<string, unknown>;
}

/** A problem the tool met while it ran (§3.58), not a result. */
interface SarifNotification {
  level?: SarifLevel;
  message: SarifMessage;
}

export interface SarifInvocation {
  executionSuccessful: boolean;
  toolExecutionNotifications?: SarifNotification[];
}

export interface SarifLog {
  $schema?: string;
  version: "2.1.0";
  runs: SarifRun[];
}
