import type { RuleSpec } from "../rule.js";

/**
 * Version control and package registries.
 * Patterns follow gitleaks' default rules (MIT, gitleaks/gitleaks@b58d3f10 config/gitleaks.toml), in the
 * same RE2 dialect, so user TOML rules and ours share one translator.
 */
export const vcsRules: RuleSpec[] = [
  {
    id: "artifactory-api-key",
    description:
      "Detected an Artifactory api key, posing a risk unauthorized access to the central repository.",
    regex: String.raw`\bAKCp[A-Za-z0-9]{69}\b`,
    entropy: 4.5,
    keywords: ["akcp"],
    severity: "high",
  },
  {
    id: "artifactory-reference-token",
    description:
      "Detected an Artifactory reference token, posing a risk of impersonation and unauthorized access to the central repository.",
    regex: String.raw`\bcmVmd[A-Za-z0-9]{59}\b`,
    entropy: 4.5,
    keywords: ["cmvmd"],
    severity: "high",
  },
  {
    id: "atlassian-api-token",
    description:
      "Detected an Atlassian API token, posing a threat to project management and collaboration tool security and data confidentiality.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:(?-i:ATLASSIAN|[Aa]tlassian)|(?-i:CONFLUENCE|[Cc]onfluence)|(?-i:JIRA|[Jj]ira))(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{20}[a-f0-9]{4})(?:[\x60'"\s;]|\\[nr]|$)|\b(ATATT3[A-Za-z0-9_\-=]{186})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3.5,
    keywords: ["atlassian", "confluence", "jira", "atatt3"],
    severity: "high",
  },
  {
    id: "bitbucket-client-id",
    description:
      "Discovered a potential Bitbucket Client ID, risking unauthorized repository access and potential codebase exposure.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:bitbucket)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["bitbucket"],
    severity: "low",
  },
  {
    id: "bitbucket-client-secret",
    description:
      "Discovered a potential Bitbucket Client Secret, posing a risk of compromised code repositories and unauthorized access.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:bitbucket)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9=_\-]{64})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["bitbucket"],
    severity: "high",
  },
  {
    id: "clojars-api-token",
    description:
      "Uncovered a possible Clojars API token, risking unauthorized access to Clojure libraries and potential code manipulation.",
    regex: String.raw`(?i)CLOJARS_[a-z0-9]{60}`,
    entropy: 2,
    keywords: ["clojars_"],
    severity: "high",
  },
  {
    id: "github-app-token",
    description:
      "Identified a GitHub App Token, which may compromise GitHub application integrations and source code security.",
    regex: String.raw`(?:ghu|ghs)_[0-9a-zA-Z]{36}`,
    entropy: 3,
    keywords: ["ghu_", "ghs_"],
    severity: "critical",
    allowlists: [
      {
        paths: [String.raw`(?:^|/)@octokit/auth-token/README\.md$`],
      },
    ],
  },
  {
    id: "github-fine-grained-pat",
    description:
      "Found a GitHub Fine-Grained Personal Access Token, risking unauthorized repository access and code manipulation.",
    regex: String.raw`github_pat_\w{82}`,
    entropy: 3,
    keywords: ["github_pat_"],
    severity: "critical",
  },
  {
    id: "github-oauth",
    description:
      "Discovered a GitHub OAuth Access Token, posing a risk of compromised GitHub account integrations and data leaks.",
    regex: String.raw`gho_[0-9a-zA-Z]{36}`,
    entropy: 3,
    keywords: ["gho_"],
    severity: "critical",
  },
  {
    id: "github-pat",
    description:
      "Uncovered a GitHub Personal Access Token, potentially leading to unauthorized repository access and sensitive content exposure.",
    regex: String.raw`ghp_[0-9a-zA-Z]{36}`,
    entropy: 3,
    keywords: ["ghp_"],
    severity: "critical",
    allowlists: [
      {
        paths: [String.raw`(?:^|/)@octokit/auth-token/README\.md$`],
      },
    ],
  },
  {
    id: "github-refresh-token",
    description:
      "Detected a GitHub Refresh Token, which could allow prolonged unauthorized access to GitHub services.",
    regex: String.raw`ghr_[0-9a-zA-Z]{36}`,
    entropy: 3,
    keywords: ["ghr_"],
    severity: "high",
  },
  {
    id: "gitlab-cicd-job-token",
    description:
      "Identified a GitLab CI/CD Job Token, potential access to projects and some APIs on behalf of a user while the CI job is running.",
    regex: String.raw`glcbt-[0-9a-zA-Z]{1,5}_[0-9a-zA-Z_-]{20}`,
    entropy: 3,
    keywords: ["glcbt-"],
    severity: "high",
  },
  {
    id: "gitlab-deploy-token",
    description:
      "Identified a GitLab Deploy Token, risking access to repositories, packages and containers with write access.",
    regex: String.raw`gldt-[0-9a-zA-Z_\-]{20}`,
    entropy: 3,
    keywords: ["gldt-"],
    severity: "high",
  },
  {
    id: "gitlab-feature-flag-client-token",
    description:
      "Identified a GitLab feature flag client token, risks exposing user lists and features flags used by an application.",
    regex: String.raw`glffct-[0-9a-zA-Z_\-]{20}`,
    entropy: 3,
    keywords: ["glffct-"],
    severity: "high",
  },
  {
    id: "gitlab-feed-token",
    description:
      "Identified a GitLab feed token, risking exposure of user data.",
    regex: String.raw`glft-[0-9a-zA-Z_\-]{20}`,
    entropy: 3,
    keywords: ["glft-"],
    severity: "high",
  },
  {
    id: "gitlab-incoming-mail-token",
    description:
      "Identified a GitLab incoming mail token, risking manipulation of data sent by mail.",
    regex: String.raw`glimt-[0-9a-zA-Z_\-]{25}`,
    entropy: 3,
    keywords: ["glimt-"],
    severity: "high",
  },
  {
    id: "gitlab-kubernetes-agent-token",
    description:
      "Identified a GitLab Kubernetes Agent token, risking access to repos and registry of projects connected via agent.",
    regex: String.raw`glagent-[0-9a-zA-Z_\-]{50}`,
    entropy: 3,
    keywords: ["glagent-"],
    severity: "high",
  },
  {
    id: "gitlab-oauth-app-secret",
    description:
      "Identified a GitLab OIDC Application Secret, risking access to apps using GitLab as authentication provider.",
    regex: String.raw`gloas-[0-9a-zA-Z_\-]{64}`,
    entropy: 3,
    keywords: ["gloas-"],
    severity: "high",
  },
  {
    id: "gitlab-pat",
    description:
      "Identified a GitLab Personal Access Token, risking unauthorized access to GitLab repositories and codebase exposure.",
    regex: String.raw`glpat-[\w-]{20}`,
    entropy: 3,
    keywords: ["glpat-"],
    severity: "critical",
  },
  {
    id: "gitlab-pat-routable",
    description:
      "Identified a GitLab Personal Access Token (routable), risking unauthorized access to GitLab repositories and codebase exposure.",
    regex: String.raw`\bglpat-[0-9a-zA-Z_-]{27,300}\.[0-9a-z]{2}[0-9a-z]{7}\b`,
    entropy: 4,
    keywords: ["glpat-"],
    severity: "critical",
  },
  {
    id: "gitlab-ptt",
    description:
      "Found a GitLab Pipeline Trigger Token, potentially compromising continuous integration workflows and project security.",
    regex: String.raw`glptt-[0-9a-f]{40}`,
    entropy: 3,
    keywords: ["glptt-"],
    severity: "high",
  },
  {
    id: "gitlab-rrt",
    description:
      "Discovered a GitLab Runner Registration Token, posing a risk to CI/CD pipeline integrity and unauthorized access.",
    regex: String.raw`GR1348941[\w-]{20}`,
    entropy: 3,
    keywords: ["gr1348941"],
    severity: "high",
  },
  {
    id: "gitlab-runner-authentication-token",
    description:
      "Discovered a GitLab Runner Authentication Token, posing a risk to CI/CD pipeline integrity and unauthorized access.",
    regex: String.raw`glrt-[0-9a-zA-Z_\-]{20}`,
    entropy: 3,
    keywords: ["glrt-"],
    severity: "critical",
  },
  {
    id: "gitlab-runner-authentication-token-routable",
    description:
      "Discovered a GitLab Runner Authentication Token (Routable), posing a risk to CI/CD pipeline integrity and unauthorized access.",
    regex: String.raw`\bglrt-t\d_[0-9a-zA-Z_\-]{27,300}\.[0-9a-z]{2}[0-9a-z]{7}\b`,
    entropy: 4,
    keywords: ["glrt-"],
    severity: "critical",
  },
  {
    id: "gitlab-scim-token",
    description:
      "Discovered a GitLab SCIM Token, posing a risk to unauthorized access for a organization or instance.",
    regex: String.raw`glsoat-[0-9a-zA-Z_\-]{20}`,
    entropy: 3,
    keywords: ["glsoat-"],
    severity: "high",
  },
  {
    id: "gitlab-session-cookie",
    description:
      "Discovered a GitLab Session Cookie, posing a risk to unauthorized access to a user account.",
    regex: String.raw`_gitlab_session=[0-9a-z]{32}`,
    entropy: 3,
    keywords: ["_gitlab_session="],
    severity: "high",
  },
  {
    id: "jfrog-api-key",
    description:
      "Found a JFrog API Key, posing a risk of unauthorized access to software artifact repositories and build pipelines.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:jfrog|artifactory|bintray|xray)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{73})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["jfrog", "artifactory", "bintray", "xray"],
    severity: "high",
  },
  {
    id: "jfrog-identity-token",
    description:
      "Discovered a JFrog Identity Token, potentially compromising access to JFrog services and sensitive software artifacts.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:jfrog|artifactory|bintray|xray)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{64})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["jfrog", "artifactory", "bintray", "xray"],
    severity: "high",
  },
  {
    id: "npm-access-token",
    description:
      "Uncovered an npm access token, potentially compromising package management and code repository access.",
    regex: String.raw`(?i)\b(npm_[a-z0-9]{36})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["npm_"],
    severity: "high",
  },
  {
    id: "nuget-config-password",
    description:
      "Identified a password within a Nuget config file, potentially compromising package management access.",
    regex: String.raw`(?i)<add key=\"(?:(?:ClearText)?Password)\"\s*value=\"(.{8,})\"\s*/>`,
    path: String.raw`(?i)nuget\.config$`,
    entropy: 1,
    keywords: ["<add key="],
    severity: "high",
    allowlists: [
      {
        regexes: [
          String.raw`33f!!lloppa`,
          String.raw`hal\+9ooo_da!sY`,
          String.raw`^\%\S.*\%$`,
        ],
      },
    ],
  },
  {
    id: "pypi-upload-token",
    description:
      "Discovered a PyPI upload token, potentially compromising Python package distribution and repository integrity.",
    regex: String.raw`pypi-AgEIcHlwaS5vcmc[\w-]{50,1000}`,
    entropy: 3,
    keywords: ["pypi-ageichlwas5vcmc"],
    severity: "high",
  },
  {
    id: "rubygems-api-token",
    description:
      "Identified a Rubygem API token, potentially compromising Ruby library distribution and package management.",
    regex: String.raw`\b(rubygems_[a-f0-9]{48})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["rubygems_"],
    severity: "high",
  },
  {
    id: "sourcegraph-access-token",
    description: "Sourcegraph is a code search and navigation engine.",
    regex: String.raw`(?i)\b(\b(sgp_(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}|sgp_[a-fA-F0-9]{40}|[a-fA-F0-9]{40})\b)(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["sgp_", "sourcegraph"],
    severity: "high",
  },
];
