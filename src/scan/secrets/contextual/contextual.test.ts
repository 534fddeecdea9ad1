import { describe, expect, it } from "vitest";
import { Detector } from "../detect.js";
import { compileRuleSet } from "../rule.js";
import { defaultAllowlists, defaultRules } from "../rules/index.js";
import { keyFamily } from "./keys.js";
import { syntaxOf } from "./syntax.js";
import { valueConfidence } from "./values.js";

const detector = new Detector(compileRuleSet(defaultRules, defaultAllowlists));

/** Findings at `medium` and above (the default), as `rule line:secret`. */
function found(path: string, text: string): string[] {
  return detector
    .detect({ path, data: Buffer.from(text) })
    .matches.filter((m) => m.confidence !== "low")
    .map((m) => `${m.ruleId} ${m.line}:${m.secret}`);
}

// Built at run time so this file holds no literal credential.
const pw = ["Xq7", "vR2", "#mK9"].join("");
// A token-shaped value (letters and digits) for token and key names.
const tok = ["k8Zq", "2LwR", "9vTx", "4pNm"].join("");

describe("contextual detectors: what they find", () => {
  it.each([
    [".env", `DB_PASSWORD=${pw}`],
    ["settings.py", `DATABASES = {"default": {"PASSWORD": "${pw}"}}`],
    ["app.py", `conn = connect(host="db", password="${pw}")`],
    ["wp-config.php", `define('DB_PASSWORD', '${pw}');`],
    ["config.php", `$cfg = ['password' => '${pw}'];`],
    ["config.yaml", `db:\n  password: ${pw}`],
    ["config.toml", `[db]\npassword = "${pw}"`],
    ["config.json", `{"db": {"password": "${pw}"}}`],
    ["web.config", `<add key="DbPassword" value="${pw}" />`],
    ["sitemanager.xml", `<Server><Pass>${pw}</Pass></Server>`],
    ["App.java", `ds.setPassword("${pw}");`],
    ["main.go", `password := "${pw}"`],
    ["Main.scala", `val password: String = "${pw}"`],
    ["check.js", `if (password === "${pw}") {`],
    ["check.js", `if ("${pw}" !== password) {`],
    ["deploy.sh", `mysql -u root -p${pw} app`],
    ["deploy.sh", `sshpass -p '${pw}' ssh host`],
    ["deploy.sh", `gpg --batch --passphrase ${pw} -d file.gpg`],
    ["setup.ps1", `ConvertTo-SecureString '${pw}' -AsPlainText -Force`],
    ["init.sql", `CREATE USER app IDENTIFIED BY '${pw}';`],
    ["init.sql", `ALTER ROLE app WITH PASSWORD '${pw}';`],
    ["mail.conf", `url = smtps://mail@example.com:${pw}@smtp.example.com:465`],
    [".npmrc", `//registry.npmjs.org/:_authToken=${tok}`],
    ["NOTES", `ID:admin PW:${pw}`],
    ["settings.py", `if SECRET := getenv("APP_SECRET", "${pw}"):`],
    ["app.py", `PASSWORD = os.environ.get("PASSWORD") or "${pw}"`],
    ["app.js", `const password = process.env.DB_PASSWORD || "${pw}";`],
    ["init.sql", `ALTER ROLE postgres PASSWORD '${pw}';`],
    [".env", `X3_PSWD=${pw}`],
    ["NOTES", `password:!${pw}`],
    // A prefixed string literal: Python bytes, unicode and raw strings, C# verbatim strings.
    ["app.py", `password = b"${pw}"`],
    ["app.py", `DB_PASSWORD = rb'${pw}'`],
    ["App.cs", `var password = @"${pw}";`],
    // JSON inside a string or a log line, its quotes escaped.
    ["app.py", `body = "{\\"password\\":\\"${pw}\\"}"`],
  ])("%s: %s", (path, text) => {
    expect(found(path, text).join("\n")).toMatch(text.includes(tok) ? tok : pw);
  });

  it("reports a .netrc and a .pgpass password by the file's format", () => {
    expect(
      found(".netrc", `machine example.com login me password ${pw}\n`),
    ).toEqual([`credential-file 1:${pw}`]);
    expect(found(".pgpass", `db.local:5432:app:me:${pw}\n`)).toEqual([
      `credential-file 1:${pw}`,
    ]);
  });

  it("reports htpasswd and shadow hashes", () => {
    const hash = `$apr1$${"r31.....$HqJZimcKQFAMYayBlzkrA/"}`;
    expect(found(".htpasswd", `admin:${hash}\n`)).toEqual([
      `password-hash 1:${hash}`,
    ]);
  });

  it("reports a PEM key behind log prefixes over all its lines, and a base64-encoded one", () => {
    const body = Buffer.from(
      Array.from({ length: 96 }, (_, i) => (i * 7919) % 251),
    ).toString("base64");
    const lines = body.match(/.{1,64}/g)!;
    const pem = [
      "-----BEGIN PRIVATE KEY-----",
      ...lines,
      "-----END PRIVATE KEY-----",
    ];
    const logged = pem
      .map((l, i) => `2026-04-26 12:36:0${i % 10} ${l}`)
      .join("\n");
    const m = detector
      .detect({ path: "build.log", data: Buffer.from(logged) })
      .matches.find((x) => x.ruleId.startsWith("private-key"));
    expect(m).toMatchObject({ line: 1, endLine: pem.length });
    const encoded = Buffer.from(pem.join("\n")).toString("base64");
    expect(found("key.py", `pkey = "${encoded}"`)).toEqual([
      expect.stringMatching(/^encoded-secret 1:/),
    ]);
  });

  it("decodes a percent-encoded token in a URL and places it", () => {
    const token = ["h1d3Me4c", "h534d801", "sl3jdk"].join("");
    expect(
      found("a.js", `u = "https://x/y?a%3D1%26token%3D${token}%26v%3D3";`),
    ).toEqual([`encoded-secret 1:${token}`]);
  });
});

describe("contextual detectors: what they leave alone", () => {
  it.each([
    ["app.py", "password = None"],
    ["app.py", 'password = ""'],
    ["app.py", "password = get_password()"],
    ["app.py", "password = os.environ['DB_PASSWORD']"],
    ["app.py", "def login(password: str):"],
    ["app.ts", "const password = process.env.PASSWORD;"],
    ["app.ts", "this.password = password;"],
    ["app.ts", "password: string;"],
    [".env", "DB_PASSWORD=${DB_PASSWORD}"],
    [".env", "DB_PASSWORD=changeme"],
    [".env", "API_TOKEN=xxxxxxxxxxxxxxxx"],
    [".env", "PASSWORD=<password>"],
    ["app.py", 'password = b"None"'],
    ["app.py", "password = u'changeme'"],
    ["app.py", 'password = f"{db_password}"'],
    ["app.py", 'password = rb"${DB_PASSWORD}"'],
    ["app.py", String.raw`body = "{\"password\":\"None\"}"`],
    ["app.js", String.raw`const body = "{\"password\": \"${"$"}{pw}\"}";`],
    ["config.yaml", "password: '{{ vault_db_password }}'"],
    ["config.yaml", "password: '%s'"],
    ["config.yaml", "password_min_length: 12"],
    ["config.yaml", "token_url: https://example.com/oauth/token"],
    ["config.yaml", "public_key: AAAAB3NzaC1yc2EAAAADAQABAAABAQ"],
    ["config.yaml", "secret_name: db-credentials-prod"],
    ["README.md", "password: hunter"],
    ["README.md", `password: ${pw}`],
    ["test/app.test.ts", 'const password = "cackle!";'],
    ["lib.js", 'key: "TIME_24_SIMPLE",'],
    ["lib.js", 'const TOKEN_HEADER = "x-aws-ec2-metadata-token";'],
    ["lib.js", "if (token === '--require') {"],
    ["rules.ts", 'regex: String.raw`pw = "([a-z0-9]+)"`,'],
    ["store.test.ts", 'const secret = "hunter2-s3cr3t-value";'],
    ["package.json", '"minipass": "^7.1.2",'],
    ["README.md", "the password is secret"],
    ["app.js", "const key = keys[index];"],
    ["app.js", 'map.set("token", tokenValue);'],
    ["deploy.sh", "mysql -u root -p app"],
    ["deploy.sh", "curl --token $TOKEN https://x"],
    ["init.sql", "CREATE USER app IDENTIFIED BY '${DB_PASSWORD}';"],
    ["docs.md", "postgres://user:password@localhost/db"],
    ["vars.yml", "db_password: !vault |"],
    // Not secrets for the generic (gitleaks) rule either: a WebSocket nonce, a public key pin,
    // a member of a module compiled by tsc.
    ["ws.js", "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\\r\\n"],
    [
      "https.d.ts",
      " *   Public key ping-sha256: pL1+qb9HTMRZJmuC/bB/ZI9d302BYrrqiVuRyW+DGrU=",
    ],
    ["parser.js", "return { ast, visitorKeys: visitor_keys_1.visitorKeys };"],
    [
      "hooks.json",
      '"url": "https://b.s3.amazonaws.com/1?X-Amz-Credential=AKIAIWNJYAX4CSVEH53A%2F20190509%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=1"',
    ],
    ["check.js", 'if ("string" === typeof password) {'],
    ["check.js", 'if ("bob" == username && "" == password) {'],
    ["app.py", 'password = os.environ.get("PASSWORD") or default_password'],
    // A template literal with an interpolation is not a literal value (tests split their
    // fake secrets this way so that the source holds none).
    ["app.ts", 'const awsSecret = `1tUm636uS1yO${"EcfP5pvfqJ/ml36mF7AkyHs"}`;'],
    ["app.ts", "const password = `Xk9mPq27${suffix}`;"],
    // Metadata beside a secret name, for the generic (gitleaks) rule too.
    ["report.ts", 'properties: { secretHash: "5f0c3b1e9b0d4c8a" },'],
    [
      "ci.log",
      "cache key = npm-9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ],
  ])("%s: %s", (path, text) => {
    expect(found(path, text)).toEqual([]);
  });
});

describe("provider rules written from CredSweeper's formats", () => {
  it("reads MySQL and PostgreSQL password hashes in SQL dumps", () => {
    const mysql = `*${"81F5E21E35407D884A6C"}${"D4A731AEBFB6AF209E1B"}`;
    const md5 = `md5${"3175bce1d3201d16"}${"594cebf9d7eb3f9d"}`;
    expect(
      found(
        "dump.sql",
        `INSERT INTO \`user\` VALUES ('localhost','root','${mysql}','Y');\n` +
          `COPY pg_authid (rolname, rolpassword) FROM stdin;\napp\t${md5}\n`,
      ),
    ).toEqual([
      `sql-dump-mysql-password-hash 1:${mysql}`,
      `sql-dump-postgres-password-hash 3:${md5}`,
    ]);
  });

  it("reads a bare base64 DER private key and a private JSON Web Key", () => {
    const der = [
      "MIIBOgIBAAJBAJtFfagSXdo0JmX6",
      "EdwWGvFMaXeOFY5xOTs3PWsnhRFa",
    ];
    expect(found("data.xml", `<data>\n  ${der.join("")}\n</data>`)).toEqual([
      `private-key-der-base64 2:${der.join("")}`,
    ]);
    const d = ["slaQqyHQPudOpq2m", "bDskum8rOu9IMkLG"].join("");
    expect(found("jwk.json", `{"kty": "EC",\n "d": "${d}"}`)).toEqual([
      `json-web-key-private 1:${d}`,
    ]);
  });
});

describe("contextual building blocks", () => {
  it("classifies names by family, with metadata and public names excluded", () => {
    expect(keyFamily("DB_PASSWORD")).toBe("password");
    expect(keyFamily("dbPass")).toBe("password");
    expect(keyFamily("client_secret")).toBe("secret");
    expect(keyFamily("aws_secret_access_key")).toBe("secret");
    expect(keyFamily("authToken")).toBe("token");
    expect(keyFamily("passwordLength")).toBeUndefined();
    expect(keyFamily("public_key")).toBeUndefined();
    expect(keyFamily("bypass")).toBeUndefined();
    expect(keyFamily("MONGO_NO_AUTH")).toBeUndefined();
  });

  it("gives values a confidence, or none", () => {
    expect(valueConfidence("changeme", { quoted: true, code: false })).toBe(
      undefined,
    );
    expect(valueConfidence("cackle", { quoted: true, code: false })).toBe(
      "low",
    );
    expect(valueConfidence("cackle!", { quoted: true, code: false })).toBe(
      "medium",
    );
    expect(valueConfidence(pw, { quoted: true, code: false })).toBe("high");
    expect(
      valueConfidence("getPassword", { quoted: false, code: true }),
    ).toBeUndefined();
  });

  it("reads the file syntax from its name", () => {
    expect(syntaxOf("app/.env.local")).toBe("dotenv");
    expect(syntaxOf("wp-config.php")).toBe("php");
    expect(syntaxOf("conf/app.yml")).toBe("yaml");
    expect(syntaxOf("NOTES")).toBe("text");
  });
});
