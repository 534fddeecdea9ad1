CREATE TABLE "flag_api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"project" text NOT NULL,
	"environment" text NOT NULL,
	"name" text NOT NULL,
	"key_hash" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "flag_audit" (
	"id" text PRIMARY KEY NOT NULL,
	"project" text NOT NULL,
	"environment" text NOT NULL,
	"flag_key" text NOT NULL,
	"action" text NOT NULL,
	"actor" text NOT NULL,
	"reason" text,
	"before" jsonb,
	"after" jsonb,
	"changes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flag_evaluations" (
	"project" text NOT NULL,
	"environment" text NOT NULL,
	"flag_key" text NOT NULL,
	"last_evaluated_at" timestamp with time zone NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "flag_evaluations_project_environment_flag_key_pk" PRIMARY KEY("project","environment","flag_key")
);
--> statement-breakpoint
CREATE TABLE "flag_set_versions" (
	"project" text NOT NULL,
	"environment" text NOT NULL,
	"version" integer NOT NULL,
	"etag" text NOT NULL,
	"document" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "flag_set_versions_project_environment_version_pk" PRIMARY KEY("project","environment","version")
);
--> statement-breakpoint
CREATE TABLE "flag_sets" (
	"project" text NOT NULL,
	"environment" text NOT NULL,
	"version" integer NOT NULL,
	"etag" text NOT NULL,
	"document" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "flag_sets_project_environment_pk" PRIMARY KEY("project","environment")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "flag_api_keys_hash_idx" ON "flag_api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "flag_audit_flag_idx" ON "flag_audit" USING btree ("project","environment","flag_key","created_at");