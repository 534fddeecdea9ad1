// The built-in secret rules 887539e had (main before issue 11; `defaultConfig().rules` there, in
// its order): the like-for-like rule set of bench/scan-detector and bench/scan-secrets. 63 rules
// came after it, 11 of them issue 15's contextual detectors. `npm run bench:compare --
// --bench-from new` copies this folder to the old tree with the bench files.

export const baselineRuleIds = `
algolia-api-key alibaba-access-key-id alibaba-secret-key authress-service-client-access-key
aws-access-token aws-amazon-bedrock-api-key-long-lived aws-amazon-bedrock-api-key-short-lived
azure-ad-client-secret clickhouse-cloud-api-secret-key cloudflare-api-key
cloudflare-global-api-key cloudflare-origin-ca-key confluent-access-token confluent-secret-key
contentful-delivery-api-token databricks-api-token datadog-access-token digitalocean-access-token
digitalocean-pat digitalocean-refresh-token dynatrace-api-token fastly-api-token
flyio-access-token gcp-api-key grafana-api-key grafana-cloud-api-token
grafana-service-account-token heroku-api-key heroku-api-key-v2 looker-client-id
looker-client-secret mapbox-api-token maxmind-license-key netlify-access-token
new-relic-browser-api-token new-relic-insert-key new-relic-user-api-id new-relic-user-api-key
okta-access-token openshift-user-token planetscale-api-token planetscale-oauth-token
planetscale-password scalingo-api-token sentry-access-token sentry-org-token sentry-user-token
sumologic-access-id sumologic-access-token yandex-access-token yandex-api-key
yandex-aws-access-token artifactory-api-key artifactory-reference-token atlassian-api-token
bitbucket-client-id bitbucket-client-secret clojars-api-token github-app-token
github-fine-grained-pat github-oauth github-pat github-refresh-token gitlab-cicd-job-token
gitlab-deploy-token gitlab-feature-flag-client-token gitlab-feed-token gitlab-incoming-mail-token
gitlab-kubernetes-agent-token gitlab-oauth-app-secret gitlab-pat gitlab-pat-routable gitlab-ptt
gitlab-rrt gitlab-runner-authentication-token gitlab-runner-authentication-token-routable
gitlab-scim-token gitlab-session-cookie jfrog-api-key jfrog-identity-token npm-access-token
nuget-config-password pypi-upload-token rubygems-api-token sourcegraph-access-token
codecov-access-token defined-networking-api-token doppler-api-token droneci-access-token
harness-api-key hashicorp-tf-api-token hashicorp-tf-password infracost-api-token
launchdarkly-access-token octopus-deploy-api-key postman-api-token prefect-api-token
pulumi-api-token rapidapi-access-token readme-api-token settlemint-application-access-token
settlemint-personal-access-token settlemint-service-access-token sidekiq-secret
sidekiq-sensitive-url snyk-api-token sonar-api-token travisci-access-token vault-batch-token
vault-service-token bittrex-access-key bittrex-secret-key coinbase-access-token duffel-api-token
easypost-api-token easypost-test-api-token finicity-api-token finicity-client-secret
finnhub-access-token flutterwave-encryption-key flutterwave-public-key flutterwave-secret-key
freemius-secret-key gocardless-api-token kraken-access-token kucoin-access-token
kucoin-secret-key lob-api-key lob-pub-api-key plaid-api-token plaid-client-id plaid-secret-key
shippo-api-token square-access-token stripe-access-token discord-api-token discord-client-id
discord-client-secret gitter-access-token intercom-api-key mattermost-access-token
messagebird-api-token messagebird-client-id microsoft-teams-webhook sendbird-access-id
sendbird-access-token slack-app-token slack-bot-token slack-config-access-token
slack-config-refresh-token slack-legacy-bot-token slack-legacy-token slack-legacy-workspace-token
slack-user-token slack-webhook-url telegram-bot-api-token twilio-api-key zendesk-secret-key
anthropic-admin-api-key anthropic-api-key cohere-api-token huggingface-access-token
huggingface-organization-api-token openai-api-key perplexity-api-key privateai-api-token
1password-secret-key 1password-service-account-token age-secret-key jwt jwt-base64
kubernetes-secret-yaml pkcs12-file private-key adafruit-api-key adobe-client-id
adobe-client-secret airtable-api-key airtable-personnal-access-token asana-client-id
asana-client-secret beamer-api-token cisco-meraki-api-key dropbox-api-token
dropbox-long-lived-api-token dropbox-short-lived-api-token etsy-access-token
facebook-access-token facebook-page-access-token facebook-secret flickr-access-token
frameio-api-token freshbooks-access-token hubspot-api-key intra42-client-secret linear-api-key
linear-client-secret linkedin-client-id linkedin-client-secret mailchimp-api-key
mailgun-private-api-token mailgun-pub-key mailgun-signing-key notion-api-token
nytimes-access-token sendgrid-api-token sendinblue-api-token shopify-access-token
shopify-custom-access-token shopify-private-app-access-token shopify-shared-secret
squarespace-access-token twitch-api-token twitter-access-secret twitter-access-token
twitter-api-key twitter-api-secret twitter-bearer-token typeform-api-token anthropic-api-key-v4
groq-api-key huggingface-user-access-token notion-integration-token shopify-token
stripe-secret-key grafana-service-account-token-v2 databricks-personal-access-token
docker-personal-access-token figma-personal-access-token cloudflare-api-token-v2 tailscale-key
vercel-token github-app-installation-token-v2 slack-incoming-webhook aws-secret-access-key
aws-account-id azure-ad-identifier azure-client-secret secp256k1-private-key
gcp-service-account-private-key basic-auth-url database-connection-string
jdbc-connection-password curl-auth-header curl-auth-user generic-api-key
`;
