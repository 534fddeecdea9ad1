import type { RuleSpec } from "../rule.js";

/**
 * Provider tokens with a fixed prefix that gitleaks' default file lacks or matches narrowly,
 * written from the formats of CredSweeper's samples (Samsung/CredSweeper @ 1ed2ca5c, MIT) and
 * the providers' documentation. Each needs its prefix and a body of the documented length.
 */
const token = (
  id: string,
  description: string,
  regex: string,
  keywords: string[],
  severity: RuleSpec["severity"] = "high",
): RuleSpec => ({ id, description, regex, keywords, severity });

export const prefixedRules: RuleSpec[] = [
  token(
    "1password-service-account-token-ops",
    "1Password service account token",
    String.raw`\b(ops_eyJ[A-Za-z0-9_-]{100,})`,
    ["ops_eyj"],
  ),
  token(
    "akamai-client-token",
    "Akamai EdgeGrid client token",
    String.raw`\b(akab-[a-z0-9]{16}-[a-z0-9]{16})\b`,
    ["akab-"],
  ),
  token(
    "anthropic-api-key-any",
    "Anthropic API key",
    String.raw`\b(sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,120})`,
    ["sk-ant-"],
  ),
  token(
    "cloudflare-api-token-prefixed",
    "Cloudflare API token (cfat_, cfut_, cfk_)",
    String.raw`\b(cf(?:at|ut|k)_[A-Za-z0-9]{48})\b`,
    ["cfat_", "cfut_", "cfk_"],
  ),
  token(
    "defined-networking-api-key",
    "Defined Networking API key",
    String.raw`\b(dnkey-[A-Z0-9]{26}-[A-Z0-9]{52})\b`,
    ["dnkey-"],
  ),
  token(
    "docker-access-token",
    "Docker personal or organisation access token",
    String.raw`\b(dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,})`,
    ["dckr_"],
  ),
  token(
    "docker-swarm-token",
    "Docker Swarm join token or unlock key",
    String.raw`\b(SWMTKN-1-[a-z0-9]{50}-[a-z0-9]{25}|SWMKEY-1-[A-Za-z0-9+/]{43})`,
    ["swmtkn-1-", "swmkey-1-"],
  ),
  token(
    "gitlab-prefixed-token",
    "GitLab runner, workspace or feed token",
    String.raw`\b(gl(?:rtr|wt|ft|soat|cbt|imt|agent|oas)-[A-Za-z0-9_-]{20,})`,
    [
      "glrtr-",
      "glwt-",
      "glft-",
      "glsoat-",
      "glcbt-",
      "glimt-",
      "glagent-",
      "gloas-",
    ],
  ),
  token(
    "google-oauth-client-secret",
    "Google OAuth client secret",
    String.raw`\b(GOCSPX-[A-Za-z0-9_-]{28})`,
    ["gocspx-"],
  ),
  token(
    "google-oauth-access-token",
    "Google OAuth access token",
    String.raw`\b(ya29\.[A-Za-z0-9_-]{30,})`,
    ["ya29."],
  ),
  token(
    "google-oauth-refresh-token",
    "Google OAuth refresh token",
    String.raw`(?:^|[^\w/])(1//0[A-Za-z0-9_-]{40,})`,
    ["1//0"],
  ),
  token(
    "groq-api-key-any",
    "Groq API key",
    String.raw`\b(gsk_[A-Za-z0-9]{52})\b`,
    ["gsk_"],
  ),
  token(
    "heroku-api-key-prefixed",
    "Heroku API key (HRKU-)",
    String.raw`\b(HRKU-[A-Za-z0-9_-]{30,})`,
    ["hrku-"],
  ),
  token(
    "instagram-access-token",
    "Instagram access token",
    String.raw`\b(IGQV[A-Za-z0-9_-]{100,})`,
    ["igqv"],
  ),
  token(
    "llama-api-key",
    "LlamaIndex cloud API key",
    String.raw`\b(llx-[A-Za-z0-9_-]{40,})`,
    ["llx-"],
  ),
  token(
    "mailgun-api-key-prefixed",
    "Mailgun API key",
    String.raw`\b(key-[a-f0-9]{32})\b`,
    ["key-"],
    "medium",
  ),
  token(
    "netlify-access-token-nfp",
    "Netlify personal access token",
    String.raw`\b(nfp_[A-Za-z0-9]{36,})`,
    ["nfp_"],
  ),
  token(
    "new-relic-key-prefixed",
    "New Relic key (NRAK, NRBR, NRII, NRJS, NRAL)",
    String.raw`\b(NRAK-[A-Z0-9]{27}|NRBR-[a-f0-9]{19}|NRII-[A-Za-z0-9_-]{24,}|NRJS-[a-f0-9]{19}|(?:eu01xx|[a-f0-9]{2})[a-f0-9]{34}NRAL)\b`,
    ["nrak-", "nrbr-", "nrii-", "nrjs-", "nral"],
  ),
  token("nuget-api-key", "NuGet API key", String.raw`\b(oy2[a-z0-9]{43})\b`, [
    "oy2",
  ]),
  token(
    "paypal-braintree-access-token-prefixed",
    "PayPal Braintree access token",
    String.raw`(access_token\$production\$[a-z0-9]{16}\$[a-f0-9]{32})`,
    ["access_token$production$"],
  ),
  token(
    "posthog-key",
    "PostHog project, personal or feature-flag key",
    String.raw`\b(ph[csrax]_[A-Za-z0-9]{40,})`,
    ["phc_", "phs_", "phr_", "pha_", "phx_"],
  ),
  token(
    "postman-api-key-prefixed",
    "Postman API key",
    String.raw`\b(PMAT-[A-Z0-9]{26})\b`,
    ["pmat-"],
  ),
  token(
    "sentry-org-token-prefixed",
    "Sentry organisation auth token",
    String.raw`\b(sntrys_eyJ[A-Za-z0-9_=+/-]{50,})`,
    ["sntrys_"],
  ),
  token(
    "square-oauth-secret-prefixed",
    "Square OAuth secret",
    String.raw`(sq0csp-[A-Za-z0-9_-]{43})`,
    ["sq0csp-"],
  ),
  token(
    "stripe-webhook-secret",
    "Stripe webhook signing secret",
    String.raw`\b(whsec_[A-Za-z0-9]{32,})\b`,
    ["whsec_"],
  ),
  token(
    "supabase-access-token",
    "Supabase access token",
    String.raw`\b(sbp_(?:v0_)?[a-f0-9]{40})\b`,
    ["sbp_"],
  ),
  token(
    "telegram-bot-token",
    "Telegram bot token",
    String.raw`\b(\d{8,10}:AA[A-Za-z0-9_-]{33})\b`,
    [":aa"],
  ),
  token(
    "together-api-key",
    "Together AI API key",
    String.raw`\b(tgp_v1_[A-Za-z0-9_-]{43})`,
    ["tgp_v1_"],
  ),
  token(
    "tavily-api-key",
    "Tavily API key",
    String.raw`\b(tvly-[A-Za-z0-9]{32})\b`,
    ["tvly-"],
  ),
  token(
    "wundergraph-api-key",
    "WunderGraph Cosmo API key",
    String.raw`\b(cosmo_[a-f0-9]{32})\b`,
    ["cosmo_"],
  ),
  token("xai-api-key", "xAI API key", String.raw`\b(xai-[A-Za-z0-9]{80})\b`, [
    "xai-",
  ]),
  token(
    "alibaba-access-key-id-short",
    "Alibaba Cloud AccessKey ID (16 to 22 characters, older than gitleaks' 24)",
    String.raw`\b(LTAI[A-Za-z0-9]{12,18})\b`,
    ["ltai"],
    "medium",
  ),
  token(
    "bitbucket-app-password",
    "Bitbucket app password",
    String.raw`\b(ATBB[A-Za-z0-9_=.-]{32})\b`,
    ["atbb"],
  ),
  token(
    "bitbucket-data-center-token",
    "Bitbucket Data Center HTTP access token",
    String.raw`\b(BBDC-[A-Za-z0-9+/@_-]{44})`,
    ["bbdc-"],
  ),
  token(
    "deepseek-api-key",
    "DeepSeek API key (sk- and 32 hex digits), also right after a terminal colour code",
    String.raw`(?:\b|\x1b\[[0-9;]{0,8}m)(sk-[0-9a-f]{32})\b`,
    ["sk-"],
  ),
  token(
    "discord-webhook-url",
    "Discord webhook URL with its token",
    String.raw`(https?://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d{17,20}/[\w-]{68})\b`,
    ["discord.com/api/webhooks/", "discordapp.com/api/webhooks/"],
  ),
  {
    ...token(
      "dropbox-long-lived-token-bare",
      "Dropbox long-lived access token by its shape (11 characters, 10 A, 43 characters)",
      String.raw`\b([A-Za-z0-9]{11}AAAAAAAAAA[A-Za-z0-9_=-]{43})\b`,
      ["aaaaaaaaaa"],
    ),
    entropy: 4,
  },
  {
    ...token(
      "mailchimp-api-key-any",
      "Mailchimp API key (32 characters and a data-centre suffix -usN)",
      String.raw`\b([0-9A-Za-z]{32}-us\d{1,2})\b`,
      ["-us"],
    ),
    entropy: 3.5,
  },
  token(
    "nats-nkey-seed",
    "NATS NKEY seed (a private key, in a .creds file or behind its header)",
    String.raw`\b(S[UOACNPX][A-Z2-7]{56})\b`,
    ["nkey"],
    "critical",
  ),
  token(
    "ntlm-authenticate-message",
    "NTLM authenticate message (type 3, base64): it carries the password's NTLM response",
    String.raw`\b(TlRMTVNTUAAD[A-Za-z0-9+/]{60,}={0,2})`,
    ["tlrmtvntuaad"],
    "medium",
  ),
  token(
    "salesforce-access-token",
    "Salesforce session or access token (org id, !, token)",
    String.raw`\b(00D[A-Za-z0-9]{12}![A-Za-z0-9._]{80,})`,
    ["00d"],
  ),
  token(
    "sendgrid-api-key-any",
    "SendGrid API key (SG., two dot-separated parts)",
    String.raw`\b(SG\.[\w-]{16,32}\.[\w-]{16,64})\b`,
    ["sg."],
  ),
  token(
    "twitter-bearer-token-app-only",
    "X (Twitter) app-only bearer token, by its run of A",
    String.raw`\b(A{20,22}[A-Za-z0-9]{3,8}A{5,8}[A-Za-z0-9%]{40,})`,
    ["aaaaaaaaaaaaaaaaaaaa"],
  ),
  token(
    "openai-api-key-short",
    "OpenAI API key with the T3BlbkFJ marker, shorter bodies than gitleaks' rule",
    String.raw`\b(sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{16,74}T3BlbkFJ[A-Za-z0-9_-]{16,74})\b`,
    ["t3blbkfj"],
    "critical",
  ),
  token(
    "private-key-der-base64",
    "A bare base64 DER private key (RSA PKCS#1 or PKCS#8), without its PEM lines",
    String.raw`\b(MII[A-Za-z0-9+/]{3}IBA(?:AJ|AK|DAN)[A-Za-z0-9+/]{40,}={0,2})`,
    ["ibaaj", "ibaak", "ibadan"],
    "critical",
  ),
  // A private JSON Web Key: the contextual rule json-web-key-private (contextual/jwk.ts).
];
