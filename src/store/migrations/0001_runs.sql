ALTER TABLE "jobs" ADD COLUMN "infra_retries" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "concurrency_group" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "lease_id" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "leased_by" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "lease_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "owner_pid" integer;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "owner_host" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "steps" ADD COLUMN "log_bytes" bigint;--> statement-breakpoint
ALTER TABLE "steps" ADD COLUMN "reason" text;--> statement-breakpoint
CREATE INDEX "jobs_lease_idx" ON "jobs" USING btree ("lease_id");--> statement-breakpoint
CREATE INDEX "runs_status_idx" ON "runs" USING btree ("status");