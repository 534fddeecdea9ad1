import type { RuleSpec } from "../rule.js";

// A token must not be glued to a preceding letter (`xtskey-…` is not a key) but may follow a digit,
// `_` or punctuation; RE2 has no look-behind, so the boundary is a group and the token group 1.
const start = String.raw`(?:^|[^A-Za-z])`;

// A base64-encoded group of three ASCII digits: a decimal id inside a token, checked by its shape.
const digits3 = "[MNO][DTjz][AEIMQUYcgk][w-z0-5]";
const digits2 = "[MNO][DTjz][AEIMQUYcgk]";

// A Notion token's first 12 characters hold 11 digits and one letter or digit, anywhere (tokens
// in the wild open with a letter; gitleaks' `ntn_[0-9]{11}` misses them): 46 characters in all.
const notionId = Array.from(
  { length: 12 },
  (_, k) => `[0-9]{${k}}[A-Za-z0-9][0-9]{${11 - k}}`,
).join("|");

/**
 * Prefixed provider tokens with fixed shapes, written for sluice (formats as documented by each
 * provider; the secretlint rule fixtures are the test data). Most carry a checksum-like fixed
 * shape, so no entropy threshold: placeholders in real files are rare and the shape is the signal.
 */
export const tokenRules: RuleSpec[] = [
  {
    id: "anthropic-api-key-v4",
    description: "Anthropic API key (api03/api04 and later versions)",
    regex: String.raw`${start}(sk-ant-api0\d-[A-Za-z0-9_-]{90,128}AA)(?:[^A-Za-z0-9_-]|$)`,
    keywords: ["sk-ant-api0"],
    severity: "critical",
  },
  {
    id: "groq-api-key",
    description: "Groq API key",
    regex: String.raw`${start}(gsk_[A-Za-z0-9]{52})(?:[^A-Za-z0-9]|$)`,
    keywords: ["gsk_"],
    severity: "high",
  },
  {
    id: "huggingface-user-access-token",
    description: "Hugging Face user access token",
    regex: String.raw`${start}(hf_[A-Za-z]{34})(?:[^A-Za-z]|$)`,
    keywords: ["hf_"],
    severity: "high",
  },
  {
    id: "notion-integration-token",
    description: "Notion integration token (ntn_)",
    regex: String.raw`${start}(ntn_(?:${notionId})[A-Za-z0-9]{34})(?:[^A-Za-z0-9]|$)`,
    keywords: ["ntn_"],
    severity: "high",
  },
  {
    id: "shopify-token",
    description: "Shopify app secret or access token",
    regex: String.raw`${start}((?:shppa|shpca|shpat|shpss)_[A-Za-z0-9]{32,64})(?:[^A-Za-z0-9]|$)`,
    keywords: ["shppa_", "shpca_", "shpat_", "shpss_"],
    severity: "high",
  },
  {
    id: "stripe-secret-key",
    description: "Stripe secret or restricted key (live or test)",
    regex: String.raw`${start}((?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,99})(?:[^A-Za-z0-9]|$)`,
    keywords: ["sk_live_", "sk_test_", "rk_live_", "rk_test_"],
    severity: "critical",
  },
  {
    id: "grafana-service-account-token-v2",
    description: "Grafana service account token",
    regex: String.raw`${start}(glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})(?:[^A-Fa-f0-9]|$)`,
    keywords: ["glsa_"],
    severity: "high",
  },
  {
    id: "databricks-personal-access-token",
    description: "Databricks personal access token",
    regex: String.raw`${start}(dapi[A-Fa-f0-9]{32}(?:-[0-9])?)(?:[^A-Fa-f0-9]|$)`,
    keywords: ["dapi"],
    severity: "high",
  },
  {
    id: "docker-personal-access-token",
    description: "Docker Hub personal access token",
    regex: String.raw`${start}(dckr_pat_[A-Za-z0-9_-]{27})(?:[^A-Za-z0-9_-]|$)`,
    keywords: ["dckr_pat_"],
    severity: "high",
  },
  {
    id: "figma-personal-access-token",
    description: "Figma personal access token",
    regex: String.raw`${start}(figd_[A-Za-z0-9_-]{40,200})(?:[^A-Za-z0-9_-]|$)`,
    keywords: ["figd_"],
    severity: "high",
  },
  {
    id: "cloudflare-api-token-v2",
    description:
      "Cloudflare account/user API token or global key (cfat_, cfut_, cfk_)",
    regex: String.raw`${start}((?:cfk|cfut|cfat)_[A-Za-z0-9]{40}[0-9a-f]{8})(?:[^A-Za-z0-9]|$)`,
    keywords: ["cfk_", "cfut_", "cfat_"],
    severity: "critical",
  },
  {
    id: "tailscale-key",
    description: "Tailscale API, auth, OAuth client, SCIM or webhook key",
    regex: String.raw`${start}(tskey-[a-z]{2,20}-[0-9A-Za-z_]{8,40}-[0-9A-Za-z_]{16,60})(?:[^0-9A-Za-z_]|$)`,
    keywords: ["tskey-"],
    severity: "high",
  },
  {
    id: "vercel-token",
    description: "Vercel access, integration, app or AI Gateway token",
    regex: String.raw`${start}(vc[pirak]_[A-Za-z0-9]{24,128})(?:[^A-Za-z0-9]|$)`,
    keywords: ["vcp_", "vci_", "vca_", "vcr_", "vck_"],
    severity: "high",
  },
  {
    id: "github-app-installation-token-v2",
    description: "GitHub App installation token (ghs_<app id>_<JWT>)",
    regex: String.raw`${start}(ghs_[0-9]{1,20}_[A-Za-z0-9_-]{1,1000}\.[A-Za-z0-9_-]{1,4000}\.[A-Za-z0-9_-]{1,1000})(?:[^A-Za-z0-9_-]|$)`,
    keywords: ["ghs_"],
    severity: "critical",
  },
  {
    id: "slack-incoming-webhook",
    description: "Slack incoming webhook URL",
    regex: String.raw`(?i)(https://hooks\.slack\.com/services/T[A-Z0-9]{1,40}/B[A-Z0-9]{1,40}/[A-Z0-9]{1,40})`,
    keywords: ["hooks.slack.com"],
    severity: "high",
  },
  {
    id: "aws-secret-access-key",
    description: "AWS secret access key assigned to an AWS variable",
    regex: String.raw`(?i)aws_?secret_?(?:access_?)?key["']?\s*(?:=>|=|:)\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`,
    keywords: ["aws_secret", "awssecret"],
    severity: "critical",
  },
  {
    id: "aws-account-id",
    description: "AWS account id assigned to an AWS variable",
    regex: String.raw`(?i)["']?aws_?account_?id["']?\s*(?:=>|=|:)\s*["']?([0-9]{4}-?[0-9]{4}-?[0-9]{4})\b`,
    keywords: ["aws_account", "awsaccount"],
    severity: "low",
  },
  {
    id: "azure-ad-identifier",
    description: "Azure AD tenant or client id next to its credentials",
    regex: String.raw`(?i)(?:ad|azure)_?(?:tenant|client)_?id["']?\s*[:=]\s*["']?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`,
    keywords: ["tenant_id", "tenantid", "client_id", "clientid"],
    severity: "low",
  },
  {
    id: "azure-client-secret",
    description: "Azure client secret assigned to a client secret variable",
    regex: String.raw`(?i)azure_?client_?secret["']?\s*(?::=|=|:)\s*["']([A-Za-z0-9_~.-]{34,40})["']`,
    keywords: ["clientsecret", "client_secret"],
    severity: "critical",
  },
  {
    id: "secp256k1-private-key",
    description:
      "A 0x-prefixed 32-byte hex value, the shape of an Ethereum (secp256k1) private key",
    regex: String.raw`(?:^|[^0-9A-Za-z])(0x[0-9a-fA-F]{64})(?:[^0-9A-Za-z]|$)`,
    keywords: ["0x"],
    // Transaction hashes and curve constants (`BigInt('0x…')` in every crypto library) share the
    // shape: reported below the default --fail-on, and at `low` confidence, below the default
    // --confidence (`--confidence low` shows them).
    severity: "low",
    confidence: "low",
    entropy: 2,
  },
  {
    id: "gcp-service-account-private-key",
    description: "Private key inside a Google Cloud service account JSON file",
    regex: String.raw`"private_key"\s*:\s*"(-----BEGIN[ A-Z]{0,40}PRIVATE KEY-----(?:\\n)?[A-Za-z0-9+/=\\]{64,})`,
    keywords: ['"private_key"'],
    severity: "critical",
    window: 16384,
  },
  {
    id: "github-token-checksummed",
    description:
      "GitHub token whose last six characters are the CRC32 of the rest, in a shape gitleaks' GitHub rules leave (another length, or low entropy)",
    regex: String.raw`${start}(gh[pousr]_[A-Za-z0-9]{36,40})(?:[^A-Za-z0-9]|$)`,
    keywords: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
    severity: "critical",
    check: "github-checksum",
  },
  {
    id: "atlassian-api-token-escaped",
    description:
      "Atlassian API token (ATATT3xFfGF0) whose `=` is escaped (`\\=`) or percent-encoded (`%3D`)",
    regex: String.raw`${start}(ATATT3xFfGF0[A-Za-z0-9_-]{171}(?:\\=|%3[Dd])[A-F0-9]{8})(?:[^A-Za-z0-9]|$)`,
    keywords: ["atatt3xffgf0"],
    severity: "high",
  },
  {
    // base64("<12-digit id>:" + 20 random bytes), 44 characters: the id's digits and the colon
    // have a fixed base64 shape, which no other value of that length has by chance. Searched
    // after a word that names it (the token follows its keyword on the line).
    id: "jira-confluence-pat",
    description:
      "Jira or Confluence Data Center personal access token (base64 of a 12-digit id, `:` and 20 random bytes)",
    regex: String.raw`(?i:jira|confluence|atlassian|bearer|token)[^\n]{0,60}?[^A-Za-z0-9+_-]((?:${digits3}){4}O[g-v][A-Za-z0-9+/]{26})(?:[^A-Za-z0-9+=_-]|$)`,
    keywords: ["jira", "confluence", "atlassian", "bearer", "token"],
    severity: "high",
  },
  {
    // The bot's id (a 17–20 digit snowflake) in base64, a dot, a timestamp, a dot, an HMAC. Near
    // the word discord, or anywhere when the id starts with 1 (the keywords are the base64 of
    // `1` and a second digit: ids of 2015–16 and since 2022); other ids need the word.
    id: "discord-bot-token",
    description:
      "Discord bot token (base64 of the bot's numeric id, a timestamp and an HMAC, dot-separated)",
    regex: String.raw`(?:(?i:discord)[^\n]{0,60}?[^A-Za-z0-9_-]|^|[^A-Za-z0-9_-])((?:${digits3}){5}(?:${digits2}|${digits3}(?:[MNO][AQgw]|${digits2})?)\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38})(?:[^A-Za-z0-9_-]|$)`,
    keywords: [
      "discord",
      ..."AEIMQUYcgk".split("").map((c) => `mt${c.toLowerCase()}`),
    ],
    severity: "high",
  },
];
