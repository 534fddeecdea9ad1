import type { RuleSpec } from "../rule.js";

/**
 * Payment, finance and shipping providers.
 * Patterns follow gitleaks' default rules (MIT, gitleaks/gitleaks@b58d3f10 config/gitleaks.toml), in the
 * same RE2 dialect, so user TOML rules and ours share one translator.
 */
export const paymentRules: RuleSpec[] = [
  {
    id: "bittrex-access-key",
    description:
      "Identified a Bittrex Access Key, which could lead to unauthorized access to cryptocurrency trading accounts and financial loss.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:bittrex)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["bittrex"],
    severity: "high",
  },
  {
    id: "bittrex-secret-key",
    description:
      "Detected a Bittrex Secret Key, potentially compromising cryptocurrency transactions and financial security.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:bittrex)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["bittrex"],
    severity: "high",
  },
  {
    id: "coinbase-access-token",
    description:
      "Detected a Coinbase Access Token, posing a risk of unauthorized access to cryptocurrency accounts and financial transactions.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:coinbase)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9_-]{64})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["coinbase"],
    severity: "high",
  },
  {
    id: "duffel-api-token",
    description:
      "Uncovered a Duffel API token, which may compromise travel platform integrations and sensitive customer data.",
    regex: String.raw`duffel_(?:test|live)_(?i)[a-z0-9_\-=]{43}`,
    entropy: 2,
    keywords: ["duffel_"],
    severity: "high",
  },
  {
    id: "easypost-api-token",
    description:
      "Identified an EasyPost API token, which could lead to unauthorized postal and shipment service access and data exposure.",
    regex: String.raw`\bEZAK(?i)[a-z0-9]{54}\b`,
    entropy: 2,
    keywords: ["ezak"],
    severity: "high",
  },
  {
    id: "easypost-test-api-token",
    description:
      "Detected an EasyPost test API token, risking exposure of test environments and potentially sensitive shipment data.",
    regex: String.raw`\bEZTK(?i)[a-z0-9]{54}\b`,
    entropy: 2,
    keywords: ["eztk"],
    severity: "high",
  },
  {
    id: "finicity-api-token",
    description:
      "Detected a Finicity API token, potentially risking financial data access and unauthorized financial operations.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:finicity)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-f0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["finicity"],
    severity: "high",
  },
  {
    id: "finicity-client-secret",
    description:
      "Identified a Finicity Client Secret, which could lead to compromised financial service integrations and data breaches.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:finicity)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{20})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["finicity"],
    severity: "high",
  },
  {
    id: "finnhub-access-token",
    description:
      "Found a Finnhub Access Token, risking unauthorized access to financial market data and analytics.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:finnhub)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{20})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["finnhub"],
    severity: "high",
  },
  {
    id: "flutterwave-encryption-key",
    description:
      "Uncovered a Flutterwave Encryption Key, which may compromise payment processing and sensitive financial information.",
    regex: String.raw`FLWSECK_TEST-(?i)[a-h0-9]{12}`,
    entropy: 2,
    keywords: ["flwseck_test"],
    severity: "high",
  },
  {
    id: "flutterwave-public-key",
    description:
      "Detected a Finicity Public Key, potentially exposing public cryptographic operations and integrations.",
    regex: String.raw`FLWPUBK_TEST-(?i)[a-h0-9]{32}-X`,
    entropy: 2,
    keywords: ["flwpubk_test"],
    severity: "low",
  },
  {
    id: "flutterwave-secret-key",
    description:
      "Identified a Flutterwave Secret Key, risking unauthorized financial transactions and data breaches.",
    regex: String.raw`FLWSECK_TEST-(?i)[a-h0-9]{32}-X`,
    entropy: 2,
    keywords: ["flwseck_test"],
    severity: "high",
  },
  {
    id: "freemius-secret-key",
    description:
      "Detected a Freemius secret key, potentially exposing sensitive information.",
    regex: String.raw`(?i)["']secret_key["']\s*=>\s*["'](sk_[\S]{29})["']`,
    path: String.raw`(?i)\.php$`,
    keywords: ["secret_key"],
    severity: "high",
  },
  {
    id: "gocardless-api-token",
    description:
      "Detected a GoCardless API token, potentially risking unauthorized direct debit payment operations and financial data exposure.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:gocardless)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(live_(?i)[a-z0-9\-_=]{40})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["live_", "gocardless"],
    severity: "high",
  },
  {
    id: "kraken-access-token",
    description:
      "Identified a Kraken Access Token, potentially compromising cryptocurrency trading accounts and financial security.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:kraken)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9\/=_\+\-]{80,90})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["kraken"],
    severity: "high",
  },
  {
    id: "kucoin-access-token",
    description:
      "Found a Kucoin Access Token, risking unauthorized access to cryptocurrency exchange services and transactions.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:kucoin)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-f0-9]{24})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["kucoin"],
    severity: "high",
  },
  {
    id: "kucoin-secret-key",
    description:
      "Discovered a Kucoin Secret Key, which could lead to compromised cryptocurrency operations and financial data breaches.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:kucoin)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["kucoin"],
    severity: "high",
  },
  {
    id: "lob-api-key",
    description:
      "Uncovered a Lob API Key, which could lead to unauthorized access to mailing and address verification services.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:lob)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}((live|test)_[a-f0-9]{35})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["test_", "live_"],
    severity: "high",
  },
  {
    id: "lob-pub-api-key",
    description:
      "Detected a Lob Publishable API Key, posing a risk of exposing mail and print service integrations.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:lob)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}((test|live)_pub_[a-f0-9]{31})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["test_pub", "live_pub", "_pub"],
    severity: "low",
  },
  {
    id: "plaid-api-token",
    description:
      "Discovered a Plaid API Token, potentially compromising financial data aggregation and banking services.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:plaid)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["plaid"],
    severity: "high",
  },
  {
    id: "plaid-client-id",
    description:
      "Uncovered a Plaid Client ID, which could lead to unauthorized financial service integrations and data breaches.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:plaid)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{24})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3.5,
    keywords: ["plaid"],
    severity: "low",
  },
  {
    id: "plaid-secret-key",
    description:
      "Detected a Plaid Secret key, risking unauthorized access to financial accounts and sensitive transaction data.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:plaid)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{30})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3.5,
    keywords: ["plaid"],
    severity: "high",
  },
  {
    id: "shippo-api-token",
    description:
      "Discovered a Shippo API token, potentially compromising shipping services and customer order data.",
    regex: String.raw`\b(shippo_(?:live|test)_[a-fA-F0-9]{40})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["shippo_"],
    severity: "high",
  },
  {
    id: "square-access-token",
    description:
      "Detected a Square Access Token, risking unauthorized payment processing and financial transaction exposure.",
    regex: String.raw`\b((?:EAAA|sq0atp-)[\w-]{22,60})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["sq0atp-", "eaaa"],
    severity: "high",
  },
  {
    id: "stripe-access-token",
    description:
      "Found a Stripe Access Token, posing a risk to payment processing services and sensitive financial data.",
    regex: String.raw`\b((?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: [
      "sk_test",
      "sk_live",
      "sk_prod",
      "rk_test",
      "rk_live",
      "rk_prod",
    ],
    severity: "critical",
  },
];
