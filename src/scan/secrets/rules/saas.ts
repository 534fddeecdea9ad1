import type { RuleSpec } from "../rule.js";

/**
 * Other SaaS APIs.
 * Patterns follow gitleaks' default rules (MIT, gitleaks/gitleaks@b58d3f10 config/gitleaks.toml), in the
 * same RE2 dialect, so user TOML rules and ours share one translator.
 */
export const saasRules: RuleSpec[] = [
  {
    id: "adafruit-api-key",
    description:
      "Identified a potential Adafruit API Key, which could lead to unauthorized access to Adafruit services and sensitive data exposure.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:adafruit)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9_-]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["adafruit"],
    severity: "high",
  },
  {
    id: "adobe-client-id",
    description:
      "Detected a pattern that resembles an Adobe OAuth Web Client ID, posing a risk of compromised Adobe integrations and data breaches.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:adobe)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-f0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["adobe"],
    severity: "low",
  },
  {
    id: "adobe-client-secret",
    description:
      "Discovered a potential Adobe Client Secret, which, if exposed, could allow unauthorized Adobe service access and data manipulation.",
    regex: String.raw`\b(p8e-(?i)[a-z0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["p8e-"],
    severity: "high",
  },
  {
    id: "airtable-api-key",
    description:
      "Uncovered a possible Airtable API Key, potentially compromising database access and leading to data leakage or alteration.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:airtable)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{17})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["airtable"],
    severity: "high",
  },
  {
    id: "airtable-personnal-access-token",
    description:
      "Uncovered a possible Airtable Personal AccessToken, potentially compromising database access and leading to data leakage or alteration.",
    regex: String.raw`\b(pat[[:alnum:]]{14}\.[a-f0-9]{64})\b`,
    keywords: ["airtable"],
    severity: "high",
  },
  {
    id: "asana-client-id",
    description:
      "Discovered a potential Asana Client ID, risking unauthorized access to Asana projects and sensitive task information.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:asana)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([0-9]{16})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["asana"],
    severity: "low",
  },
  {
    id: "asana-client-secret",
    description:
      "Identified an Asana Client Secret, which could lead to compromised project management integrity and unauthorized access.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:asana)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["asana"],
    severity: "high",
  },
  {
    id: "beamer-api-token",
    description:
      "Detected a Beamer API token, potentially compromising content management and exposing sensitive notifications and updates.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:beamer)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(b_[a-z0-9=_\-]{44})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["beamer"],
    severity: "high",
  },
  {
    id: "cisco-meraki-api-key",
    description:
      "Cisco Meraki is a cloud-managed IT solution that provides networking, security, and device management through an easy-to-use interface.",
    regex: String.raw`[\w.-]{0,50}?(?i:[\w.-]{0,50}?(?:(?-i:[Mm]eraki|MERAKI))(?:[ \t\w.-]{0,20})[\s'"]{0,3})(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([0-9a-f]{40})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["meraki"],
    severity: "high",
  },
  {
    id: "dropbox-api-token",
    description:
      "Identified a Dropbox API secret, which could lead to unauthorized file access and data breaches in Dropbox storage.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:dropbox)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{15})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["dropbox"],
    severity: "high",
  },
  {
    id: "dropbox-long-lived-api-token",
    description:
      "Found a Dropbox long-lived API token, risking prolonged unauthorized access to cloud storage and sensitive data.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:dropbox)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{11}(AAAAAAAAAA)[a-z0-9\-_=]{43})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["dropbox"],
    severity: "high",
  },
  {
    id: "dropbox-short-lived-api-token",
    description:
      "Discovered a Dropbox short-lived API token, posing a risk of temporary but potentially harmful data access and manipulation.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:dropbox)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(sl\.[a-z0-9\-=_]{135})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["dropbox"],
    severity: "high",
  },
  {
    id: "etsy-access-token",
    description:
      "Found an Etsy Access Token, potentially compromising Etsy shop management and customer data.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:(?-i:ETSY|[Ee]tsy))(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{24})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["etsy"],
    severity: "high",
  },
  {
    id: "facebook-access-token",
    description:
      "Discovered a Facebook Access Token, posing a risk of unauthorized access to Facebook accounts and personal data exposure.",
    regex: String.raw`(?i)\b(\d{15,16}(\||%)[0-9a-z\-_]{27,40})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["facebook"],
    severity: "high",
  },
  {
    id: "facebook-page-access-token",
    description:
      "Discovered a Facebook Page Access Token, posing a risk of unauthorized access to Facebook accounts and personal data exposure.",
    regex: String.raw`\b(EAA[MC](?i)[a-z0-9]{100,})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 4,
    keywords: ["eaam", "eaac"],
    severity: "high",
  },
  {
    id: "facebook-secret",
    description:
      "Discovered a Facebook Application secret, posing a risk of unauthorized access to Facebook accounts and personal data exposure.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:facebook)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-f0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["facebook"],
    severity: "high",
  },
  {
    id: "flickr-access-token",
    description:
      "Discovered a Flickr Access Token, posing a risk of unauthorized photo management and potential data leakage.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:flickr)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["flickr"],
    severity: "high",
  },
  {
    id: "frameio-api-token",
    description:
      "Found a Frame.io API token, potentially compromising video collaboration and project management.",
    regex: String.raw`fio-u-(?i)[a-z0-9\-_=]{64}`,
    keywords: ["fio-u-"],
    severity: "high",
  },
  {
    id: "freshbooks-access-token",
    description:
      "Discovered a Freshbooks Access Token, posing a risk to accounting software access and sensitive financial data exposure.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:freshbooks)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{64})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["freshbooks"],
    severity: "high",
  },
  {
    id: "hubspot-api-key",
    description:
      "Found a HubSpot API Token, posing a risk to CRM data integrity and unauthorized marketing operations.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:hubspot)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["hubspot"],
    severity: "high",
  },
  {
    id: "intra42-client-secret",
    description:
      "Found a Intra42 client secret, which could lead to unauthorized access to the 42School API and sensitive data.",
    regex: String.raw`\b(s-s4t2(?:ud|af)-(?i)[abcdef0123456789]{64})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["intra", "s-s4t2ud-", "s-s4t2af-"],
    severity: "high",
  },
  {
    id: "linear-api-key",
    description:
      "Detected a Linear API Token, posing a risk to project management tools and sensitive task data.",
    regex: String.raw`lin_api_(?i)[a-z0-9]{40}`,
    entropy: 2,
    keywords: ["lin_api_"],
    severity: "high",
  },
  {
    id: "linear-client-secret",
    description:
      "Identified a Linear Client Secret, which may compromise secure integrations and sensitive project management data.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:linear)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-f0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["linear"],
    severity: "high",
  },
  {
    id: "linkedin-client-id",
    description:
      "Found a LinkedIn Client ID, risking unauthorized access to LinkedIn integrations and professional data exposure.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:linked[_-]?in)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{14})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["linkedin", "linked_in", "linked-in"],
    severity: "low",
  },
  {
    id: "linkedin-client-secret",
    description:
      "Discovered a LinkedIn Client secret, potentially compromising LinkedIn application integrations and user data.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:linked[_-]?in)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{16})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["linkedin", "linked_in", "linked-in"],
    severity: "medium",
  },
  {
    id: "mailchimp-api-key",
    description:
      "Identified a Mailchimp API key, potentially compromising email marketing campaigns and subscriber data.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:MailchimpSDK.initialize|mailchimp)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-f0-9]{32}-us\d\d)(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["mailchimp"],
    severity: "high",
  },
  {
    id: "mailgun-private-api-token",
    description:
      "Found a Mailgun private API token, risking unauthorized email service operations and data breaches.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:mailgun)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(key-[a-f0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["mailgun"],
    severity: "high",
  },
  {
    id: "mailgun-pub-key",
    description:
      "Discovered a Mailgun public validation key, which could expose email verification processes and associated data.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:mailgun)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(pubkey-[a-f0-9]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["mailgun"],
    severity: "low",
  },
  {
    id: "mailgun-signing-key",
    description:
      "Uncovered a Mailgun webhook signing key, potentially compromising email automation and data integrity.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:mailgun)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["mailgun"],
    severity: "high",
  },
  {
    id: "notion-api-token",
    description: "Notion API token",
    regex: String.raw`\b(ntn_[0-9]{11}[A-Za-z0-9]{32}[A-Za-z0-9]{3})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 4,
    keywords: ["ntn_"],
    severity: "high",
  },
  {
    id: "nytimes-access-token",
    description:
      "Detected a Nytimes Access Token, risking unauthorized access to New York Times APIs and content services.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:nytimes|new-york-times,|newyorktimes)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9=_\-]{32})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["nytimes", "new-york-times", "newyorktimes"],
    severity: "high",
  },
  {
    id: "sendgrid-api-token",
    description:
      "Detected a SendGrid API token, posing a risk of unauthorized email service operations and data exposure.",
    regex: String.raw`\b(SG\.(?i)[a-z0-9=_\-\.]{66})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["sg."],
    severity: "high",
  },
  {
    id: "sendinblue-api-token",
    description:
      "Identified a Sendinblue API token, which may compromise email marketing services and subscriber data privacy.",
    regex: String.raw`\b(xkeysib-[a-f0-9]{64}\-(?i)[a-z0-9]{16})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 2,
    keywords: ["xkeysib-"],
    severity: "high",
  },
  {
    id: "shopify-access-token",
    description:
      "Uncovered a Shopify access token, which could lead to unauthorized e-commerce platform access and data breaches.",
    regex: String.raw`shpat_[a-fA-F0-9]{32}`,
    entropy: 2,
    keywords: ["shpat_"],
    severity: "high",
  },
  {
    id: "shopify-custom-access-token",
    description:
      "Detected a Shopify custom access token, potentially compromising custom app integrations and e-commerce data security.",
    regex: String.raw`shpca_[a-fA-F0-9]{32}`,
    entropy: 2,
    keywords: ["shpca_"],
    severity: "high",
  },
  {
    id: "shopify-private-app-access-token",
    description:
      "Identified a Shopify private app access token, risking unauthorized access to private app data and store operations.",
    regex: String.raw`shppa_[a-fA-F0-9]{32}`,
    entropy: 2,
    keywords: ["shppa_"],
    severity: "high",
  },
  {
    id: "shopify-shared-secret",
    description:
      "Found a Shopify shared secret, posing a risk to application authentication and e-commerce platform security.",
    regex: String.raw`shpss_[a-fA-F0-9]{32}`,
    entropy: 2,
    keywords: ["shpss_"],
    severity: "high",
  },
  {
    id: "squarespace-access-token",
    description:
      "Identified a Squarespace Access Token, which may compromise website management and content control on Squarespace.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:squarespace)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["squarespace"],
    severity: "high",
  },
  {
    id: "twitch-api-token",
    description:
      "Discovered a Twitch API token, which could compromise streaming services and account integrations.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:twitch)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{30})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["twitch"],
    severity: "high",
  },
  {
    id: "twitter-access-secret",
    description:
      "Uncovered a Twitter Access Secret, potentially risking unauthorized Twitter integrations and data breaches.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:twitter)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{45})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["twitter"],
    severity: "high",
  },
  {
    id: "twitter-access-token",
    description:
      "Detected a Twitter Access Token, posing a risk of unauthorized account operations and social media data exposure.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:twitter)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([0-9]{15,25}-[a-zA-Z0-9]{20,40})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["twitter"],
    severity: "high",
  },
  {
    id: "twitter-api-key",
    description:
      "Identified a Twitter API Key, which may compromise Twitter application integrations and user data security.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:twitter)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{25})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["twitter"],
    severity: "high",
  },
  {
    id: "twitter-api-secret",
    description:
      "Found a Twitter API Secret, risking the security of Twitter app integrations and sensitive data access.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:twitter)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9]{50})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["twitter"],
    severity: "high",
  },
  {
    id: "twitter-bearer-token",
    description:
      "Discovered a Twitter Bearer Token, potentially compromising API access and data retrieval from Twitter.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:twitter)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(A{22}[a-zA-Z0-9%]{80,100})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["twitter"],
    severity: "high",
  },
  {
    id: "typeform-api-token",
    description:
      "Uncovered a Typeform API token, which could lead to unauthorized survey management and data collection.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:typeform)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}(tfp_[a-z0-9\-_\.=]{59})(?:[\x60'"\s;]|\\[nr]|$)`,
    keywords: ["tfp_"],
    severity: "high",
  },
];
