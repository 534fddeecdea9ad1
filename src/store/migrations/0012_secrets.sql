CREATE TABLE "secret_audit" (
	"id" text PRIMARY KEY NOT NULL,
	"project" text NOT NULL,
	"environment" text NOT NULL,
	"name" text NOT NULL,
	"version" integer,
	"action" text NOT NULL,
	"actor" text NOT NULL,
	"run_id" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "secret_keyrings" (
	"project" text PRIMARY KEY NOT NULL,
	"recipients" jsonb NOT NULL,
	"epoch" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"updated_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "secret_versions" (
	"project" text NOT NULL,
	"environment" text NOT NULL,
	"name" text NOT NULL,
	"version" integer NOT NULL,
	"ciphertext" text,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "secret_versions_project_environment_name_version_pk" PRIMARY KEY("project","environment","name","version")
);
--> statement-breakpoint
CREATE INDEX "secret_audit_project_idx" ON "secret_audit" USING btree ("project","created_at");