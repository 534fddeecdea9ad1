// The secret detector alone, in process, over files already in memory: no process start, no
// workers, no file reads. Each figure is a fresh child process (a cold JIT), CPU time of the
// whole process (its compiler and GC threads included) for a first pass and a warm third pass.
// Two rule sets: every built-in rule, and the rules 887539e had (the build before issue 11's
// side-by-side baseline; 63 rules came after it, 11 of them issue 15's contextual detectors).
// The second is the like-for-like figure in `npm run bench:compare -- --bench-from new`: both
// builds then run the same rules, so a difference there is the detector's, not new rules' work.
// Needs `npm run build` (it loads dist/).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist", "scan", "secrets");
if (!existsSync(join(dist, "task-runner.js"))) {
  console.error("bench/scan-detector: run `npm run build` first");
  process.exit(2);
}
/** The built-in rule ids of 887539e (`defaultConfig().rules` there), in its order. */
const baselineRuleIds = `
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

/** Source-heavy packages read in place (the same files for both builds of a comparison). */
const packages = ["typescript", "eslint", "zod", "drizzle-orm", "fastify"];
const reps = Number(process.env.BENCH_REPS ?? 5);

// The child: reads the packages' text files (sorted walk, under 200 KB, at most 20 MB), then
// runs the detector over them three times and prints the CPU of the first and third pass.
const child = `
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
const [distUrl, modules, which, baselineIds, ...packages] = process.argv.slice(1);
const { defaultConfig } = await import(distUrl + "/config.js");
const { createTaskRunner } = await import(distUrl + "/task-runner.js");
const files = [];
let bytes = 0;
const walk = (dir, rel) => {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (bytes >= 20e6) return;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, rel + "/" + e.name);
    else if (e.isFile() && /\\.(?:js|json|md|ts)$/.test(e.name) && statSync(p).size < 200 * 1024) {
      const data = readFileSync(p);
      files.push({ path: rel + "/" + e.name, data });
      bytes += data.length;
    }
  }
};
for (const p of packages) walk(join(modules, p), p);
const all = defaultConfig();
const baseline = new Set(baselineIds.split(/\\s+/));
const rules = which === "baseline" ? all.rules.filter((r) => baseline.has(r.id)) : all.rules;
// As a scan worker starts: the runner compiles the rules itself (no keyword-by-keyword phase).
const run = createTaskRunner({ rules, allowlists: all.allowlists, maxFileSize: 10 << 20, ruleBudgetMs: 5000, minConfidence: "medium" });
const passes = [];
let matches = 0;
for (let pass = 0; pass < 3; pass++) {
  const c0 = process.cpuUsage();
  let id = 0;
  matches = 0;
  for (const f of files) matches += run({ id: id++, path: f.path, data: f.data }).matches.length;
  const c = process.cpuUsage(c0);
  passes.push((c.user + c.system) / 1000);
}
console.log(JSON.stringify({ files: files.length, MB: bytes / 1e6, rules: rules.length, matches, coldCpuMs: passes[0], warmCpuMs: passes[2] }));
`;

interface Pass {
  files: number;
  MB: number;
  rules: number;
  matches: number;
  coldCpuMs: number;
  warmCpuMs: number;
}

function measure(which: "all" | "baseline"): Pass {
  // The flag `sluice scan secrets` sets (ADR 053), so the figure is the command's detector.
  const r = spawnSync(
    process.execPath,
    [
      "--max-inlined-bytecode-size-cumulative=200",
      "--input-type=module",
      "-e",
      child,
      pathToFileURL(dist).href,
      join(root, "node_modules"),
      which,
      baselineRuleIds,
      ...packages,
    ],
    { encoding: "utf8", maxBuffer: 1 << 24 },
  );
  if (r.status !== 0)
    throw new Error(`detector child exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Pass;
}

const median = (xs: number[]): number =>
  xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const loadAtStart = loadavg()[0]!;
const runs = { all: [] as Pass[], baseline: [] as Pass[] };
for (let i = 0; i < reps; i++) {
  runs.all.push(measure("all"));
  runs.baseline.push(measure("baseline"));
}
const summary = (xs: Pass[]) => ({
  rules: xs[0]!.rules,
  matches: xs[0]!.matches,
  coldCpuMs: Number(median(xs.map((x) => x.coldCpuMs)).toFixed(1)),
  warmCpuMs: Number(median(xs.map((x) => x.warmCpuMs)).toFixed(1)),
});
const all = summary(runs.all);
const baseline = summary(runs.baseline);
const first = runs.all[0]!;
console.log(
  `detector in process: ${first.files} files, ${first.MB.toFixed(1)} MB of ${packages.join(", ")} (in memory); medians of ${reps} fresh processes; load average ${loadAtStart.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}`,
);
console.log(
  `                      rules   first pass CPU   warm pass CPU   findings`,
);
for (const [name, s] of [
  ["every rule", all],
  ["887539e's rules", baseline],
] as const)
  console.log(
    `${name.padEnd(22)}${String(s.rules).padStart(5)}   ${s.coldCpuMs.toFixed(0).padStart(11)} ms   ${s.warmCpuMs.toFixed(0).padStart(10)} ms   ${s.matches}`,
  );
console.log(
  JSON.stringify({
    bench: "scan-detector",
    cores: availableParallelism(),
    loadAverage: Number(loadavg()[0]!.toFixed(2)),
    files: first.files,
    MB: Number(first.MB.toFixed(1)),
    all,
    baselineRules: baseline,
  }),
);
