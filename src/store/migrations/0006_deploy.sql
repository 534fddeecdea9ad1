CREATE TABLE "deploy_incidents" (
	"id" text PRIMARY KEY NOT NULL,
	"deployment_id" text NOT NULL,
	"project" text NOT NULL,
	"environment" text NOT NULL,
	"reason" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "deployments" (
	"id" text PRIMARY KEY NOT NULL,
	"project" text NOT NULL,
	"environment" text NOT NULL,
	"release_id" text NOT NULL,
	"previous_release_id" text,
	"status" text NOT NULL,
	"reason" text,
	"incident_id" text,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "releases" (
	"id" text PRIMARY KEY NOT NULL,
	"project" text NOT NULL,
	"version" text NOT NULL,
	"command" text NOT NULL,
	"port" integer,
	"env" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"cwd" text,
	"health" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rollouts" (
	"id" text PRIMARY KEY NOT NULL,
	"deployment_id" text NOT NULL,
	"project" text NOT NULL,
	"environment" text NOT NULL,
	"phase" text NOT NULL,
	"spec" jsonb NOT NULL,
	"status" jsonb NOT NULL,
	"processes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "deploy_incidents" ADD CONSTRAINT "deploy_incidents_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "deploy_incidents_deployment_idx" ON "deploy_incidents" USING btree ("deployment_id");--> statement-breakpoint
CREATE INDEX "deployments_env_idx" ON "deployments" USING btree ("project","environment","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "releases_project_version_idx" ON "releases" USING btree ("project","version");--> statement-breakpoint
CREATE INDEX "rollouts_env_idx" ON "rollouts" USING btree ("project","environment","created_at");