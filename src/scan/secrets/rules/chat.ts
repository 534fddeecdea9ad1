import type { RuleSpec } from "../rule.js";

/**
 * Chat, messaging and support tools.
 * Patterns follow gitleaks' default rules (MIT, gitleaks/gitleaks@b58d3f10 config/gitleaks.toml), in the
 * same RE2 dialect, so user TOML rules and ours share one translator.
 */
export const chatRules: RuleSpec[] = [
  {
    id: "discord-api-token",
    description:
      "Detected a Discord API key, potentially compromising communication channels and user data privacy on Discord.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:discord)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-f0-9]{64})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["discord"],
    severity: "high",
  },
  {
    id: "discord-client-id",
    description:
      "Identified a Discord client ID, which may lead to unauthorized integrations and data exposure in Discord applications.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:discord)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([0-9]{18})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["discord"],
    severity: "low",
  },
  {
    id: "discord-client-secret",
    description:
      "Discovered a potential Discord client secret, risking compromised Discord bot integrations and data leaks.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:discord)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9=_\-]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["discord"],
    severity: "high",
  },
  {
    id: "gitter-access-token",
    description:
      "Uncovered a Gitter Access Token, which may lead to unauthorized access to chat and communication services.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:gitter)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9_-]{40})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["gitter"],
    severity: "high",
  },
  {
    id: "intercom-api-key",
    description:
      "Identified an Intercom API Token, which could compromise customer communication channels and data privacy.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:intercom)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9=_\-]{60})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["intercom"],
    severity: "high",
  },
  {
    id: "mattermost-access-token",
    description:
      "Identified a Mattermost Access Token, which may compromise team communication channels and data privacy.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:mattermost)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{26})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["mattermost"],
    severity: "high",
  },
  {
    id: "messagebird-api-token",
    description:
      "Found a MessageBird API token, risking unauthorized access to communication platforms and message data.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:message[_-]?bird)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{25})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["messagebird", "message-bird", "message_bird"],
    severity: "high",
  },
  {
    id: "messagebird-client-id",
    description:
      "Discovered a MessageBird client ID, potentially compromising API integrations and sensitive communication data.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:message[_-]?bird)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["messagebird", "message-bird", "message_bird"],
    severity: "low",
  },
  {
    id: "microsoft-teams-webhook",
    description:
      "Uncovered a Microsoft Teams Webhook, which could lead to unauthorized access to team collaboration tools and data leaks.",
    regex: String.raw`https://[a-z0-9]+\.webhook\.office\.com/webhookb2/[a-z0-9]{8}-([a-z0-9]{4}-){3}[a-z0-9]{12}@[a-z0-9]{8}-([a-z0-9]{4}-){3}[a-z0-9]{12}/IncomingWebhook/[a-z0-9]{32}/[a-z0-9]{8}-([a-z0-9]{4}-){3}[a-z0-9]{12}`,
    keywords: ["webhook.office.com", "webhookb2", "incomingwebhook"],
    severity: "high",
  },
  {
    id: "sendbird-access-id",
    description:
      "Discovered a Sendbird Access ID, which could compromise chat and messaging platform integrations.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:sendbird)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["sendbird"],
    severity: "low",
  },
  {
    id: "sendbird-access-token",
    description:
      "Uncovered a Sendbird Access Token, potentially risking unauthorized access to communication services and user data.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:sendbird)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-f0-9]{40})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["sendbird"],
    severity: "high",
  },
  {
    id: "slack-app-token",
    description:
      "Detected a Slack App-level token, risking unauthorized access to Slack applications and workspace data.",
    regex: String.raw`(?i)xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+`,
    entropy: 2,
    keywords: ["xapp"],
    severity: "high",
  },
  {
    id: "slack-bot-token",
    description:
      "Identified a Slack Bot token, which may compromise bot integrations and communication channel security.",
    regex: String.raw`xoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9-]*`,
    entropy: 3,
    keywords: ["xoxb"],
    severity: "high",
  },
  {
    id: "slack-config-access-token",
    description:
      "Found a Slack Configuration access token, posing a risk to workspace configuration and sensitive data access.",
    regex: String.raw`(?i)xoxe.xox[bp]-\d-[A-Z0-9]{163,166}`,
    entropy: 2,
    keywords: ["xoxe.xoxb-", "xoxe.xoxp-"],
    severity: "high",
  },
  {
    id: "slack-config-refresh-token",
    description:
      "Discovered a Slack Configuration refresh token, potentially allowing prolonged unauthorized access to configuration settings.",
    regex: String.raw`(?i)xoxe-\d-[A-Z0-9]{146}`,
    entropy: 2,
    keywords: ["xoxe-"],
    severity: "high",
  },
  {
    id: "slack-legacy-bot-token",
    description:
      "Uncovered a Slack Legacy bot token, which could lead to compromised legacy bot operations and data exposure.",
    regex: String.raw`xoxb-[0-9]{8,14}-[a-zA-Z0-9]{18,26}`,
    entropy: 2,
    keywords: ["xoxb"],
    severity: "high",
  },
  {
    id: "slack-legacy-token",
    description:
      "Detected a Slack Legacy token, risking unauthorized access to older Slack integrations and user data.",
    regex: String.raw`xox[os]-\d+-\d+-\d+-[a-fA-F\d]+`,
    entropy: 2,
    keywords: ["xoxo", "xoxs"],
    severity: "high",
  },
  {
    id: "slack-legacy-workspace-token",
    description:
      "Identified a Slack Legacy Workspace token, potentially compromising access to workspace data and legacy features.",
    regex: String.raw`xox[ar]-(?:\d-)?[0-9a-zA-Z]{8,48}`,
    entropy: 2,
    keywords: ["xoxa", "xoxr"],
    severity: "high",
  },
  {
    id: "slack-user-token",
    description:
      "Found a Slack User token, posing a risk of unauthorized user impersonation and data access within Slack workspaces.",
    regex: String.raw`xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}`,
    entropy: 2,
    keywords: ["xoxp-", "xoxe-"],
    severity: "high",
  },
  {
    id: "slack-webhook-url",
    description:
      "Discovered a Slack Webhook, which could lead to unauthorized message posting and data leakage in Slack channels.",
    regex: String.raw`(?:https?://)?hooks.slack.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}`,
    keywords: ["hooks.slack.com"],
    severity: "high",
  },
  {
    id: "telegram-bot-api-token",
    description:
      "Detected a Telegram Bot API Token, risking unauthorized bot operations and message interception on Telegram.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:telegr)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([0-9]{5,16}:(?-i:A)[a-z0-9_\-]{34})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["telegr"],
    severity: "high",
  },
  {
    id: "twilio-api-key",
    description:
      "Found a Twilio API Key, posing a risk to communication services and sensitive customer interaction data.",
    regex: String.raw`SK[0-9a-fA-F]{32}`,
    entropy: 3,
    keywords: ["sk"],
    severity: "high",
  },
  {
    id: "zendesk-secret-key",
    description:
      "Detected a Zendesk Secret Key, risking unauthorized access to customer support services and sensitive ticketing data.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:zendesk)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{40})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["zendesk"],
    severity: "high",
  },
];
