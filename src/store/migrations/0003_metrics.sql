CREATE TABLE "metrics_changes" (
	"project" text NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"commits" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"merge_commit" text,
	"branch" text,
	"first_commit_at" timestamp with time zone NOT NULL,
	"opened_at" timestamp with time zone,
	"first_review_at" timestamp with time zone,
	"merged_at" timestamp with time zone,
	"author" text,
	"author_email" text,
	"title" text,
	"trailers" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"cohort" text NOT NULL,
	"markers" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"source" text NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	CONSTRAINT "metrics_changes_project_id_pk" PRIMARY KEY("project","id")
);
--> statement-breakpoint
CREATE TABLE "metrics_deployment_events" (
	"project" text NOT NULL,
	"deployment_id" text NOT NULL,
	"type" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"environment" text,
	"release" text,
	"commit" text,
	"shipped" jsonb,
	"rollback_of" text,
	"hotfix" boolean,
	"fixes" jsonb,
	"source" text NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	CONSTRAINT "metrics_deployment_events_project_deployment_id_type_pk" PRIMARY KEY("project","deployment_id","type")
);
--> statement-breakpoint
CREATE TABLE "metrics_incident_events" (
	"project" text NOT NULL,
	"incident_id" text NOT NULL,
	"type" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"opened_at" timestamp with time zone,
	"environment" text,
	"severity" text,
	"deployment_id" text,
	"commit" text,
	"title" text,
	"source" text NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	CONSTRAINT "metrics_incident_events_project_incident_id_type_pk" PRIMARY KEY("project","incident_id","type")
);
--> statement-breakpoint
CREATE INDEX "metrics_deployment_events_at_idx" ON "metrics_deployment_events" USING btree ("project","at");