import type { AllowlistSpec } from "../rule.js";

/**
 * The default global allowlist: placeholders and template values that are never secrets, and
 * paths (images, fonts, vendored code, lockfiles) that produce noise. Derived from gitleaks'
 * default allowlist (MIT, gitleaks/gitleaks@b58d3f10), without `node_modules`: sluice scans what
 * it is pointed at, and a working-tree scan already follows .gitignore.
 */
export const defaultAllowlists: AllowlistSpec[] = [
  {
    description: "paths",
    paths: [
      String.raw`gitleaks\.toml`,
      String.raw`(?i)\.(?:bmp|gif|jpe?g|png|svg|tiff?)$`,
      String.raw`(?i)\.(?:eot|[ot]tf|woff2?)$`,
      String.raw`(?i)\.(?:docx?|xlsx?|pdf|bin|socket|vsidx|v2|suo|wsuo|.dll|pdb|exe|gltf)$`,
      String.raw`go\.(?:mod|sum|work(?:\.sum)?)$`,
      String.raw`(?:^|/)vendor/modules\.txt$`,
      String.raw`(?:^|/)vendor/(?:github\.com|golang\.org/x|google\.golang\.org|gopkg\.in|istio\.io|k8s\.io|sigs\.k8s\.io)(?:/.*)?$`,
      String.raw`(?:^|/)gradlew(?:\.bat)?$`,
      String.raw`(?:^|/)gradle\.lockfile$`,
      String.raw`(?:^|/)mvnw(?:\.cmd)?$`,
      String.raw`(?:^|/)\.mvn/wrapper/MavenWrapperDownloader\.java$`,
      String.raw`(?:^|/)(?:deno\.lock|npm-shrinkwrap\.json|package-lock\.json|pnpm-lock\.yaml|yarn\.lock)$`,
      String.raw`(?:^|/)bower_components(?:/.*)?$`,
      String.raw`(?:^|/)(?:angular|bootstrap|jquery(?:-?ui)?|plotly|swagger-?ui)[a-zA-Z0-9.-]*(?:\.min)?\.js(?:\.map)?$`,
      String.raw`(?:^|/)javascript\.json$`,
      String.raw`(?:^|/)(?:Pipfile|poetry)\.lock$`,
      String.raw`(?i)(?:^|/)(?:v?env|virtualenv)/lib(?:64)?(?:/.*)?$`,
      String.raw`(?i)(?:^|/)(?:lib(?:64)?/python[23](?:\.\d{1,2})+|python/[23](?:\.\d{1,2})+/lib(?:64)?)(?:/.*)?$`,
      String.raw`(?i)(?:^|/)[a-z0-9_.]+-[0-9.]+\.dist-info(?:/.+)?$`,
      String.raw`(?:^|/)vendor/(?:bundle|ruby)(?:/.*?)?$`,
      String.raw`\.gem$`,
      String.raw`verification-metadata\.xml`,
      String.raw`Database.refactorlog`,
      String.raw`(?:^|/)\.git$`,
    ],
  },
  {
    description: "placeholder values",
    regexes: [
      String.raw`(?i)^true|false|null$`,
      String.raw`^(?i:a+|b+|c+|d+|e+|f+|g+|h+|i+|j+|k+|l+|m+|n+|o+|p+|q+|r+|s+|t+|u+|v+|w+|x+|y+|z+|\*+|\.+)$`,
      String.raw`^\$(?:\d+|{\d+})$`,
      String.raw`^\$(?:[A-Z_]+|[a-z_]+)$`,
      "^\\${(?:[A-Z_]+|[a-z_]+)}$",
      String.raw`^\{\{[ \t]*[\w ().|]+[ \t]*}}$`,
      String.raw`^\$\{\{[ \t]*(?:(?:env|github|secrets|vars)(?:\.[A-Za-z]\w+)+[\w "'&./=|]*)[ \t]*}}$`,
      String.raw`^%(?:[A-Z_]+|[a-z_]+)%$`,
      String.raw`^%[+\-# 0]?[bcdeEfFgGoOpqstTUvxX]$`,
      String.raw`^\{\d{0,2}}$`,
      String.raw`^@(?:[A-Z_]+|[a-z_]+)@$`,
      String.raw`^/Users/(?i)[a-z0-9]+/[\w .-/]+$`,
      String.raw`^/(?:bin|etc|home|opt|tmp|usr|var)/[\w ./-]+$`,
    ],
  },
  {
    description: "stopwords",
    stopwords: [
      "014df517-39d1-4453-b7b3-9930c563627c",
      "abcdefghijklmnopqrstuvwxyz",
    ],
  },
];
