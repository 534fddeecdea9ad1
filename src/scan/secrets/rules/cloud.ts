import type { RuleSpec } from "../rule.js";

/**
 * Cloud providers, hosting and observability.
 * Patterns follow gitleaks' default rules (MIT, gitleaks/gitleaks@b58d3f10 config/gitleaks.toml), in the
 * same RE2 dialect, so user TOML rules and ours share one translator.
 */
export const cloudRules: RuleSpec[] = [
  {
    id: "algolia-api-key",
    description:
      "Identified an Algolia API Key, which could result in unauthorized search operations and data exposure on Algolia-managed platforms.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:algolia)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["algolia"],
    severity: "high",
  },
  {
    id: "alibaba-access-key-id",
    description:
      "Detected an Alibaba Cloud AccessKey ID, posing a risk of unauthorized cloud resource access and potential data compromise.",
    regex: String.raw`\b(LTAI(?i)[a-z0-9]{20})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["ltai"],
    severity: "low",
  },
  {
    id: "alibaba-secret-key",
    description:
      "Discovered a potential Alibaba Cloud Secret Key, potentially allowing unauthorized operations and data access within Alibaba Cloud.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:alibaba)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{30})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["alibaba"],
    severity: "critical",
  },
  {
    id: "authress-service-client-access-key",
    description:
      "Uncovered a possible Authress Service Client Access Key, which may compromise access control services and sensitive data.",
    regex: String.raw`\b((?:sc|ext|scauth|authress)_(?i)[a-z0-9]{5,30}\.[a-z0-9]{4,6}\.(?-i:acc)[_-][a-z0-9-]{10,32}\.[a-z0-9+/_=-]{30,120})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["sc_", "ext_", "scauth_", "authress_"],
    severity: "high",
  },
  {
    id: "aws-access-token",
    description:
      "Identified a pattern that may indicate AWS credentials, risking unauthorized cloud resource access and data breaches on AWS platforms.",
    regex: String.raw`\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b`,
    entropy: 3,
    keywords: ["a3t", "akia", "asia", "abia", "acca"],
    severity: "critical",
    allowlists: [
      {
        regexes: [String.raw`.+EXAMPLE$`],
      },
      {
        // A presigned URL carries its key id in the clear by design (the signature grants
        // access, and expires): the id is not the secret there.
        regexTarget: "line",
        regexes: [
          String.raw`(?i)X-Amz-Credential=(?:AKIA|ASIA)[A-Z2-7]{16}(?:%2F|/)`,
        ],
      },
    ],
  },
  {
    id: "aws-amazon-bedrock-api-key-long-lived",
    description:
      "Identified a pattern that may indicate long-lived Amazon Bedrock API keys, risking unauthorized Amazon Bedrock usage",
    regex: String.raw`\b(ABSK[A-Za-z0-9+/]{109,269}={0,2})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["absk"],
    severity: "critical",
  },
  {
    id: "aws-amazon-bedrock-api-key-short-lived",
    description:
      "Identified a pattern that may indicate short-lived Amazon Bedrock API keys, risking unauthorized Amazon Bedrock usage",
    regex: String.raw`bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t`,
    entropy: 3,
    keywords: ["bedrock-api-key-"],
    severity: "critical",
  },
  {
    id: "azure-ad-client-secret",
    description: "Azure AD Client Secret",
    regex: String.raw`(?:^|[\\'"\x60\s>=:(,)])([a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34})(?:$|[\\'"\x60\s<),])`,
    entropy: 3,
    keywords: ["q~"],
    severity: "critical",
  },
  {
    id: "clickhouse-cloud-api-secret-key",
    description:
      "Identified a pattern that may indicate clickhouse cloud API secret key, risking unauthorized clickhouse cloud api access and data breaches on ClickHouse Cloud platforms.",
    regex: String.raw`\b(4b1d[A-Za-z0-9]{38})\b`,
    entropy: 3,
    keywords: ["4b1d"],
    severity: "high",
  },
  {
    id: "cloudflare-api-key",
    description:
      "Detected a Cloudflare API Key, potentially compromising cloud application deployments and operational security.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:cloudflare)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9_-]{40})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["cloudflare"],
    severity: "high",
  },
  {
    id: "cloudflare-global-api-key",
    description:
      "Detected a Cloudflare Global API Key, potentially compromising cloud application deployments and operational security.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:cloudflare)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-f0-9]{37})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["cloudflare"],
    severity: "high",
  },
  {
    id: "cloudflare-origin-ca-key",
    description:
      "Detected a Cloudflare Origin CA Key, potentially compromising cloud application deployments and operational security.",
    regex: String.raw`\b(v1\.0-[a-f0-9]{24}-[a-f0-9]{146})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["cloudflare", "v1.0-"],
    severity: "high",
  },
  {
    id: "confluent-access-token",
    description:
      "Identified a Confluent Access Token, which could compromise access to streaming data platforms and sensitive data flow.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:confluent)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{16})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["confluent"],
    severity: "high",
  },
  {
    id: "confluent-secret-key",
    description:
      "Found a Confluent Secret Key, potentially risking unauthorized operations and data access within Confluent services.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:confluent)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{64})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["confluent"],
    severity: "high",
  },
  {
    id: "contentful-delivery-api-token",
    description:
      "Discovered a Contentful delivery API token, posing a risk to content management systems and data integrity.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:contentful)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9=_\-]{43})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["contentful"],
    severity: "high",
  },
  {
    id: "databricks-api-token",
    description:
      "Uncovered a Databricks API token, which may compromise big data analytics platforms and sensitive data processing.",
    regex: String.raw`\b(dapi[a-f0-9]{32}(?:-\d)?)(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["dapi"],
    severity: "high",
  },
  {
    id: "datadog-access-token",
    description:
      "Detected a Datadog Access Token, potentially risking monitoring and analytics data exposure and manipulation.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:datadog)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{40})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["datadog"],
    severity: "high",
  },
  {
    id: "digitalocean-access-token",
    description:
      "Found a DigitalOcean OAuth Access Token, risking unauthorized cloud resource access and data compromise.",
    regex: String.raw`\b(doo_v1_[a-f0-9]{64})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["doo_v1_"],
    severity: "high",
  },
  {
    id: "digitalocean-pat",
    description:
      "Discovered a DigitalOcean Personal Access Token, posing a threat to cloud infrastructure security and data privacy.",
    regex: String.raw`\b(dop_v1_[a-f0-9]{64})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["dop_v1_"],
    severity: "high",
  },
  {
    id: "digitalocean-refresh-token",
    description:
      "Uncovered a DigitalOcean OAuth Refresh Token, which could allow prolonged unauthorized access and resource manipulation.",
    regex: String.raw`(?i)\b(dor_v1_[a-f0-9]{64})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["dor_v1_"],
    severity: "high",
  },
  {
    id: "dynatrace-api-token",
    description:
      "Detected a Dynatrace API token, potentially risking application performance monitoring and data exposure.",
    regex: String.raw`dt0c01\.(?i)[a-z0-9]{24}\.[a-z0-9]{64}`,
    entropy: 4,
    keywords: ["dt0c01."],
    severity: "high",
  },
  {
    id: "fastly-api-token",
    description:
      "Uncovered a Fastly API key, which may compromise CDN and edge cloud services, leading to content delivery and security issues.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:fastly)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9=_\-]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["fastly"],
    severity: "high",
  },
  {
    id: "flyio-access-token",
    description: "Uncovered a Fly.io API key",
    regex: String.raw`\b((?:fo1_[\w-]{43}|fm1[ar]_[a-zA-Z0-9+\/]{100,}={0,3}|fm2_[a-zA-Z0-9+\/]{100,}={0,3}))(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 4,
    keywords: ["fo1_", "fm1", "fm2_"],
    severity: "high",
  },
  {
    id: "gcp-api-key",
    description:
      "Uncovered a GCP API key, which could lead to unauthorized access to Google Cloud services and data breaches.",
    regex: String.raw`\b(AIza[\w-]{35})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 4,
    keywords: ["aiza"],
    severity: "critical",
    allowlists: [
      {
        regexes: [
          String.raw`AIzaSyabcdefghijklmnopqrstuvwxyz1234567`,
          String.raw`AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs`,
          String.raw`AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM`,
          String.raw`AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU`,
          String.raw`AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0`,
          String.raw`AIzayDNSXIbFmlXbIE6mCzDLQAqITYefhixbX4A`,
          String.raw`AIzaSyAdOS2zB6NCsk1pCdZ4-P6GBdi_UUPwX7c`,
          String.raw`AIzaSyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4`,
          String.raw`AIzaSyANUvH9H9BsUccjsu2pCmEkOPjjaXeDQgY`,
          String.raw`AIzaSyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM`,
          String.raw`AIzaSyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ`,
          String.raw`AIzaSyDSb51JiIcB6OJpwwMicseKRhhrOq1cS7g`,
          String.raw`AIzaSyBF2RrAIm4a0mO64EShQfqfd2AFnzAvvuU`,
          String.raw`AIzaSyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw`,
          String.raw`AIzaSyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE`,
          String.raw`AIzaSyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY`,
        ],
      },
    ],
  },
  {
    id: "grafana-api-key",
    description:
      "Identified a Grafana API key, which could compromise monitoring dashboards and sensitive data analytics.",
    regex: String.raw`(?i)\b(eyJrIjoi[A-Za-z0-9]{70,400}={0,3})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["eyjrijoi"],
    severity: "high",
  },
  {
    id: "grafana-cloud-api-token",
    description:
      "Found a Grafana cloud API token, risking unauthorized access to cloud-based monitoring services and data exposure.",
    regex: String.raw`(?i)\b(glc_[A-Za-z0-9+/]{32,400}={0,3})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["glc_"],
    severity: "high",
  },
  {
    id: "grafana-service-account-token",
    description:
      "Discovered a Grafana service account token, posing a risk of compromised monitoring services and data integrity.",
    regex: String.raw`(?i)\b(glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["glsa_"],
    severity: "high",
  },
  {
    id: "heroku-api-key",
    description:
      "Detected a Heroku API Key, potentially compromising cloud application deployments and operational security.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:heroku)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["heroku"],
    severity: "high",
  },
  {
    id: "heroku-api-key-v2",
    description:
      "Detected a Heroku API Key, potentially compromising cloud application deployments and operational security.",
    regex: String.raw`\b((HRKU-AA[0-9a-zA-Z_-]{58}))(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 4,
    keywords: ["hrku-aa"],
    severity: "high",
  },
  {
    id: "looker-client-id",
    description:
      "Found a Looker Client ID, risking unauthorized access to a Looker account and exposing sensitive data.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:looker)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{20})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["looker"],
    severity: "low",
  },
  {
    id: "looker-client-secret",
    description:
      "Found a Looker Client Secret, risking unauthorized access to a Looker account and exposing sensitive data.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:looker)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{24})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["looker"],
    severity: "high",
  },
  {
    id: "mapbox-api-token",
    description:
      "Detected a MapBox API token, posing a risk to geospatial services and sensitive location data exposure.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:mapbox)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(pk\.[a-z0-9]{60}\.[a-z0-9]{22})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["mapbox"],
    severity: "high",
  },
  {
    id: "maxmind-license-key",
    description: "Discovered a potential MaxMind license key.",
    regex: String.raw`\b([A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk)(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 4,
    keywords: ["_mmk"],
    severity: "high",
  },
  {
    id: "netlify-access-token",
    description:
      "Detected a Netlify Access Token, potentially compromising web hosting services and site management.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:netlify)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9=_\-]{40,46})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["netlify"],
    severity: "high",
  },
  {
    id: "new-relic-browser-api-token",
    description:
      "Identified a New Relic ingest browser API token, risking unauthorized access to application performance data and analytics.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:new-relic|newrelic|new_relic)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(NRJS-[a-f0-9]{19})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["nrjs-"],
    severity: "high",
  },
  {
    id: "new-relic-insert-key",
    description:
      "Discovered a New Relic insight insert key, compromising data injection into the platform.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:new-relic|newrelic|new_relic)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(NRII-[a-z0-9-]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["nrii-"],
    severity: "high",
  },
  {
    id: "new-relic-user-api-id",
    description:
      "Found a New Relic user API ID, posing a risk to application monitoring services and data integrity.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:new-relic|newrelic|new_relic)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{64})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["new-relic", "newrelic", "new_relic"],
    severity: "low",
  },
  {
    id: "new-relic-user-api-key",
    description:
      "Discovered a New Relic user API Key, which could lead to compromised application insights and performance monitoring.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:new-relic|newrelic|new_relic)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(NRAK-[a-z0-9]{27})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["nrak"],
    severity: "high",
  },
  {
    id: "okta-access-token",
    description:
      "Identified an Okta Access Token, which may compromise identity management services and user authentication data.",
    regex: String.raw`[\w.-]{0,50}?(?i:[\w.-]{0,50}?(?:(?-i:[Oo]kta|OKTA))(?:[ \t\w.-]{0,20})[\s'"]{0,3})(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(00[\w=\-]{40})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 4,
    keywords: ["okta"],
    severity: "high",
  },
  {
    id: "openshift-user-token",
    description:
      "Found an OpenShift user token, potentially compromising an OpenShift/Kubernetes cluster.",
    regex: String.raw`\b(sha256~[\w-]{43})(?:[^\w-]|\z)`,
    entropy: 3.5,
    keywords: ["sha256~"],
    severity: "high",
  },
  {
    id: "planetscale-api-token",
    description:
      "Identified a PlanetScale API token, potentially compromising database management and operations.",
    regex: String.raw`\b(pscale_tkn_(?i)[\w=\.-]{32,64})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["pscale_tkn_"],
    severity: "high",
  },
  {
    id: "planetscale-oauth-token",
    description:
      "Found a PlanetScale OAuth token, posing a risk to database access control and sensitive data integrity.",
    regex: String.raw`\b(pscale_oauth_[\w=\.-]{32,64})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["pscale_oauth_"],
    severity: "high",
  },
  {
    id: "planetscale-password",
    description:
      "Discovered a PlanetScale password, which could lead to unauthorized database operations and data breaches.",
    regex: String.raw`(?i)\b(pscale_pw_(?i)[\w=\.-]{32,64})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["pscale_pw_"],
    severity: "high",
  },
  {
    id: "scalingo-api-token",
    description:
      "Found a Scalingo API token, posing a risk to cloud platform services and application deployment security.",
    regex: String.raw`\b(tk-us-[\w-]{48})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["tk-us-"],
    severity: "high",
  },
  {
    id: "sentry-access-token",
    description:
      "Found a Sentry.io Access Token (old format), risking unauthorized access to error tracking services and sensitive application data.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:sentry)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-f0-9]{64})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["sentry"],
    severity: "high",
  },
  {
    id: "sentry-org-token",
    description:
      "Found a Sentry.io Organization Token, risking unauthorized access to error tracking services and sensitive application data.",
    regex: String.raw`\bsntrys_eyJpYXQiO[a-zA-Z0-9+/]{10,200}(?:LCJyZWdpb25fdXJs|InJlZ2lvbl91cmwi|cmVnaW9uX3VybCI6)[a-zA-Z0-9+/]{10,200}={0,2}_[a-zA-Z0-9+/]{43}(?:[^a-zA-Z0-9+/]|\z)`,
    entropy: 4.5,
    keywords: ["sntrys_eyjpyxqio"],
    severity: "high",
  },
  {
    id: "sentry-user-token",
    description:
      "Found a Sentry.io User Token, risking unauthorized access to error tracking services and sensitive application data.",
    regex: String.raw`\b(sntryu_[a-f0-9]{64})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3.5,
    keywords: ["sntryu_"],
    severity: "high",
  },
  {
    id: "sumologic-access-id",
    description:
      "Discovered a SumoLogic Access ID, potentially compromising log management services and data analytics integrity.",
    regex: String.raw`[\w.-]{0,50}?(?i:[\w.-]{0,50}?(?:(?-i:[Ss]umo|SUMO))(?:[ \t\w.-]{0,20})[\s'"]{0,3})(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(su[a-zA-Z0-9]{12})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["sumo"],
    severity: "low",
  },
  {
    id: "sumologic-access-token",
    description:
      "Uncovered a SumoLogic Access Token, which could lead to unauthorized access to log data and analytics insights.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:(?-i:[Ss]umo|SUMO))(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{64})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["sumo"],
    severity: "high",
  },
  {
    id: "yandex-access-token",
    description:
      "Found a Yandex Access Token, posing a risk to Yandex service integrations and user data privacy.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:yandex)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(t1\.[A-Z0-9a-z_-]+[=]{0,2}\.[A-Z0-9a-z_-]{86}[=]{0,2})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["yandex"],
    severity: "high",
  },
  {
    id: "yandex-api-key",
    description:
      "Discovered a Yandex API Key, which could lead to unauthorized access to Yandex services and data manipulation.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:yandex)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(AQVN[A-Za-z0-9_\-]{35,38})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["yandex"],
    severity: "high",
  },
  {
    id: "yandex-aws-access-token",
    description:
      "Uncovered a Yandex AWS Access Token, potentially compromising cloud resource access and data security on Yandex Cloud.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:yandex)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(YC[a-zA-Z0-9_\-]{38})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["yandex"],
    severity: "high",
  },
];
