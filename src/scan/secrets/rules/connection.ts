import type { RuleSpec } from "../rule.js";

/**
 * Credentials inside URLs and database connection strings. The named check `url-credentials`
 * drops placeholders (`password`, `${VAR}`, `{{x}}`, `$(X)`, `YOUR_…`), passwords shorter than 4
 * characters or made of one repeated character, and identical user and password.
 */
export const connectionRules: RuleSpec[] = [
  {
    id: "basic-auth-url",
    description: "User and password in an HTTP or FTP URL",
    regex: String.raw`(?i)\b(?:https?|ftps?)://([^\s:/?#@"'<>()\[\]\x60]{1,100}):([^\s@/"'<>()\[\]\x60]{1,200})@[^\s/?#@"'<>()\x60]{1,200}`,
    secretGroup: 2,
    keywords: ["http://", "https://", "ftp://", "ftps://"],
    severity: "high",
    check: "url-credentials",
  },
  {
    id: "database-connection-string",
    description:
      "Password in a MongoDB, MySQL, PostgreSQL, Redis, AMQP or MSSQL connection URL",
    regex: String.raw`(?i)\b(?:jdbc:)?(?:mongodb(?:\+srv)?|mysqlx?|postgres(?:ql)?|redis|rediss|amqps?|mssql|sqlserver|mariadb|cockroachdb)://([^:/\s"'@]{1,100}):([^@/\s"']{1,200})@[^\s/"'?]{1,200}`,
    secretGroup: 2,
    keywords: [
      "mongodb",
      "mysql",
      "postgres",
      "redis",
      "amqp",
      "mssql",
      "sqlserver",
      "mariadb",
      "cockroachdb",
    ],
    severity: "high",
    check: "url-credentials",
  },
  {
    id: "jdbc-connection-password",
    description: "Password in a JDBC or ADO.NET connection string",
    regex: String.raw`(?i)(?:jdbc:[a-z]+://[^\s"']*[;&?(,]|;\s*)(?:password|pwd)\s*=\s*([^;&)\s"',]{4,200})`,
    keywords: ["password=", "pwd="],
    severity: "medium",
    check: "url-credentials",
  },
];
