import type { RuleSpec } from "../rule.js";

/**
 * CI/CD, infrastructure-as-code and developer platforms.
 * Patterns follow gitleaks' default rules (MIT, gitleaks/gitleaks@b58d3f10 config/gitleaks.toml), in the
 * same RE2 dialect, so user TOML rules and ours share one translator.
 */
export const ciRules: RuleSpec[] = [
  {
    id: "codecov-access-token",
    description:
      "Found a pattern resembling a Codecov Access Token, posing a risk of unauthorized access to code coverage reports and sensitive data.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:codecov)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["codecov"],
    severity: "high",
  },
  {
    id: "defined-networking-api-token",
    description:
      "Identified a Defined Networking API token, which could lead to unauthorized network operations and data breaches.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:dnkey)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(dnkey-[a-z0-9=_\-]{26}-[a-z0-9=_\-]{52})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["dnkey"],
    severity: "high",
  },
  {
    id: "doppler-api-token",
    description:
      "Discovered a Doppler API token, posing a risk to environment and secrets management security.",
    regex: String.raw`dp\.pt\.(?i)[a-z0-9]{43}`,
    entropy: 2,
    keywords: ["dp.pt."],
    severity: "high",
  },
  {
    id: "droneci-access-token",
    description:
      "Detected a Droneci Access Token, potentially compromising continuous integration and deployment workflows.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:droneci)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["droneci"],
    severity: "high",
  },
  {
    id: "harness-api-key",
    description:
      "Identified a Harness Access Token (PAT or SAT), risking unauthorized access to a Harness account.",
    regex: String.raw`(?:pat|sat)\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9]{24}\.[a-zA-Z0-9]{20}`,
    keywords: ["pat.", "sat."],
    severity: "high",
  },
  {
    id: "hashicorp-tf-api-token",
    description:
      "Uncovered a HashiCorp Terraform user/org API token, which may lead to unauthorized infrastructure management and security breaches.",
    regex: String.raw`(?i)[a-z0-9]{14}\.(?-i:atlasv1)\.[a-z0-9\-_=]{60,70}`,
    entropy: 3.5,
    keywords: ["atlasv1"],
    severity: "critical",
  },
  {
    id: "hashicorp-tf-password",
    description:
      "Identified a HashiCorp Terraform password field, risking unauthorized infrastructure configuration and security breaches.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:administrator_login_password|password)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}("[a-z0-9=_\-]{8,20}")(?:[\x60'"\s;]|\\[nr]|$)`,
    path: String.raw`(?i)\.(?:tf|hcl)$`,
    entropy: 2,
    keywords: ["administrator_login_password", "password"],
    severity: "critical",
  },
  {
    id: "infracost-api-token",
    description:
      "Detected an Infracost API Token, risking unauthorized access to cloud cost estimation tools and financial data.",
    regex: String.raw`\b(ico-[a-zA-Z0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["ico-"],
    severity: "high",
  },
  {
    id: "launchdarkly-access-token",
    description:
      "Uncovered a Launchdarkly Access Token, potentially compromising feature flag management and application functionality.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:launchdarkly)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9=_\-]{40})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["launchdarkly"],
    severity: "high",
  },
  {
    id: "octopus-deploy-api-key",
    description:
      "Discovered a potential Octopus Deploy API key, risking application deployments and operational security.",
    regex: String.raw`\b(API-[A-Z0-9]{26})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["api-"],
    severity: "high",
  },
  {
    id: "postman-api-token",
    description:
      "Uncovered a Postman API token, potentially compromising API testing and development workflows.",
    regex: String.raw`\b(PMAK-(?i)[a-f0-9]{24}\-[a-f0-9]{34})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["pmak-"],
    severity: "high",
  },
  {
    id: "prefect-api-token",
    description:
      "Detected a Prefect API token, risking unauthorized access to workflow management and automation services.",
    regex: String.raw`\b(pnu_[a-zA-Z0-9]{36})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["pnu_"],
    severity: "high",
  },
  {
    id: "pulumi-api-token",
    description:
      "Found a Pulumi API token, posing a risk to infrastructure as code services and cloud resource management.",
    regex: String.raw`\b(pul-[a-f0-9]{40})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["pul-"],
    severity: "high",
  },
  {
    id: "rapidapi-access-token",
    description:
      "Uncovered a RapidAPI Access Token, which could lead to unauthorized access to various APIs and data services.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:rapidapi)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9_-]{50})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["rapidapi"],
    severity: "high",
  },
  {
    id: "readme-api-token",
    description:
      "Detected a Readme API token, risking unauthorized documentation management and content exposure.",
    regex: String.raw`\b(rdme_[a-z0-9]{70})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["rdme_"],
    severity: "high",
  },
  {
    id: "settlemint-application-access-token",
    description: "Found a Settlemint Application Access Token.",
    regex: String.raw`\b(sm_aat_[a-zA-Z0-9]{16})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["sm_aat"],
    severity: "high",
  },
  {
    id: "settlemint-personal-access-token",
    description: "Found a Settlemint Personal Access Token.",
    regex: String.raw`\b(sm_pat_[a-zA-Z0-9]{16})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["sm_pat"],
    severity: "high",
  },
  {
    id: "settlemint-service-access-token",
    description: "Found a Settlemint Service Access Token.",
    regex: String.raw`\b(sm_sat_[a-zA-Z0-9]{16})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["sm_sat"],
    severity: "high",
  },
  {
    id: "sidekiq-secret",
    description:
      "Discovered a Sidekiq Secret, which could lead to compromised background job processing and application data breaches.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:BUNDLE_ENTERPRISE__CONTRIBSYS__COM|BUNDLE_GEMS__CONTRIBSYS__COM)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-f0-9]{8}:[a-f0-9]{8})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: [
      "bundle_enterprise__contribsys__com",
      "bundle_gems__contribsys__com",
    ],
    severity: "high",
  },
  {
    id: "sidekiq-sensitive-url",
    description:
      "Uncovered a Sidekiq Sensitive URL, potentially exposing internal job queues and sensitive operation details.",
    regex: String.raw`(?i)\bhttps?://([a-f0-9]{8}:[a-f0-9]{8})@(?:gems.contribsys.com|enterprise.contribsys.com)(?:[\/|\#|\?|:]|$)`,
    keywords: ["gems.contribsys.com", "enterprise.contribsys.com"],
    severity: "high",
  },
  {
    id: "snyk-api-token",
    description:
      "Uncovered a Snyk API token, potentially compromising software vulnerability scanning and code security.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:snyk[_.-]?(?:(?:api|oauth)[_.-]?)?(?:key|token))(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["snyk"],
    severity: "high",
  },
  {
    id: "sonar-api-token",
    description:
      "Uncovered a Sonar API token, potentially compromising software vulnerability scanning and code security.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:sonar[_.-]?(login|token))(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}((?:squ_|sqp_|sqa_)?[a-z0-9=_\-]{40})(?:[\x60'"\s;]|\\[nr]|$)`,
    secretGroup: 2,
    keywords: ["sonar"],
    severity: "high",
  },
  {
    id: "travisci-access-token",
    description:
      "Identified a Travis CI Access Token, potentially compromising continuous integration services and codebase security.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:travis)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{22})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["travis"],
    severity: "high",
  },
  {
    id: "vault-batch-token",
    description:
      "Detected a Vault Batch Token, risking unauthorized access to secret management services and sensitive data.",
    regex: String.raw`\b(hvb\.[\w-]{138,300})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 4,
    keywords: ["hvb."],
    severity: "critical",
  },
  {
    id: "vault-service-token",
    description:
      "Identified a Vault Service Token, potentially compromising infrastructure security and access to sensitive credentials.",
    regex: String.raw`\b((?:hvs\.[\w-]{90,120}|s\.(?i:[a-z0-9]{24})))(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3.5,
    keywords: ["hvs.", "s."],
    severity: "critical",
    allowlists: [
      {
        regexes: [String.raw`s\.[A-Za-z]{24}`],
      },
    ],
  },
];
