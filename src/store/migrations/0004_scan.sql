CREATE TABLE "advisories" (
	"id" text PRIMARY KEY NOT NULL,
	"modified" text NOT NULL,
	"aliases" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"record" jsonb NOT NULL,
	"snapshot_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "advisory_packages" (
	"ecosystem" text NOT NULL,
	"name" text NOT NULL,
	"advisory_id" text NOT NULL,
	CONSTRAINT "advisory_packages_ecosystem_name_advisory_id_pk" PRIMARY KEY("ecosystem","name","advisory_id")
);
--> statement-breakpoint
CREATE TABLE "advisory_snapshots" (
	"id" text PRIMARY KEY NOT NULL,
	"hash" text NOT NULL,
	"source" text NOT NULL,
	"imported" integer NOT NULL,
	"skipped" integer NOT NULL,
	"total" integer NOT NULL,
	"skipped_reasons" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scan_findings" (
	"id" text PRIMARY KEY NOT NULL,
	"scan_id" text NOT NULL,
	"run_id" text,
	"tool" text NOT NULL,
	"rule_id" text NOT NULL,
	"severity" text NOT NULL,
	"fingerprint" text NOT NULL,
	"finding" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scans" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text,
	"job_id" text,
	"snapshot_id" text,
	"summary" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "advisory_packages" ADD CONSTRAINT "advisory_packages_advisory_id_advisories_id_fk" FOREIGN KEY ("advisory_id") REFERENCES "public"."advisories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scan_findings" ADD CONSTRAINT "scan_findings_scan_id_scans_id_fk" FOREIGN KEY ("scan_id") REFERENCES "public"."scans"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "advisory_packages_advisory_idx" ON "advisory_packages" USING btree ("advisory_id");--> statement-breakpoint
CREATE INDEX "scan_findings_run_idx" ON "scan_findings" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "scan_findings_scan_idx" ON "scan_findings" USING btree ("scan_id");--> statement-breakpoint
CREATE INDEX "scans_run_idx" ON "scans" USING btree ("run_id");