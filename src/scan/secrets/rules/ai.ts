import type { RuleSpec } from "../rule.js";

/**
 * AI providers.
 * Patterns follow gitleaks' default rules (MIT, gitleaks/gitleaks@b58d3f10 config/gitleaks.toml), in the
 * same RE2 dialect, so user TOML rules and ours share one translator.
 */
export const aiRules: RuleSpec[] = [
  {
    id: "anthropic-admin-api-key",
    description:
      "Detected an Anthropic Admin API Key, risking unauthorized access to administrative functions and sensitive AI model configurations.",
    regex: String.raw`\b(sk-ant-admin01-[a-zA-Z0-9_\-]{93}AA)(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["sk-ant-admin01"],
    severity: "high",
  },
  {
    id: "anthropic-api-key",
    description:
      "Identified an Anthropic API Key, which may compromise AI assistant integrations and expose sensitive data to unauthorized access.",
    regex: String.raw`\b(sk-ant-api03-[a-zA-Z0-9_\-]{93}AA)(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["sk-ant-api03"],
    severity: "high",
  },
  {
    id: "cohere-api-token",
    description:
      "Identified a Cohere Token, posing a risk of unauthorized access to AI services and data manipulation.",
    regex: String.raw`[\w.-]{0,50}?(?i:[\w.-]{0,50}?(?:cohere|CO_API_KEY)(?:[ \t\w.-]{0,20})[\s'"]{0,3})(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-zA-Z0-9]{40})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 4,
    keywords: ["cohere", "co_api_key"],
    severity: "high",
  },
  {
    id: "huggingface-access-token",
    description:
      "Discovered a Hugging Face Access token, which could lead to unauthorized access to AI models and sensitive data.",
    regex: String.raw`\b(hf_(?i:[a-z]{34}))(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["hf_"],
    severity: "high",
  },
  {
    id: "huggingface-organization-api-token",
    description:
      "Uncovered a Hugging Face Organization API token, potentially compromising AI organization accounts and associated data.",
    regex: String.raw`\b(api_org_(?i:[a-z]{34}))(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["api_org_"],
    severity: "high",
  },
  {
    id: "openai-api-key",
    description:
      "Found an OpenAI API Key, posing a risk of unauthorized access to AI services and data manipulation.",
    regex: String.raw`\b(sk-(?:proj|svcacct|admin)-(?:[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})T3BlbkFJ(?:[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})\b|sk-[a-zA-Z0-9]{20}T3BlbkFJ[a-zA-Z0-9]{20})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["t3blbkfj"],
    severity: "high",
  },
  {
    id: "perplexity-api-key",
    description:
      "Detected a Perplexity API key, which could lead to unauthorized access to Perplexity AI services and data exposure.",
    regex: String.raw`\b(pplx-[a-zA-Z0-9]{48})(?:[\x60'"\s;]|\\[nr]|$|\b)`,
    entropy: 4,
    keywords: ["pplx-"],
    severity: "high",
  },
  {
    id: "privateai-api-token",
    description:
      "Identified a PrivateAI Token, posing a risk of unauthorized access to AI services and data manipulation.",
    regex: String.raw`[\w.-]{0,50}?(?i:[\w.-]{0,50}?(?:private[_-]?ai)(?:[ \t\w.-]{0,20})[\s'"]{0,3})(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["privateai", "private_ai", "private-ai"],
    severity: "high",
  },
];
