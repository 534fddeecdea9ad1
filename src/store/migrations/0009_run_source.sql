ALTER TABLE "runs" ADD COLUMN "source" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "dirty" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "diff_hash" text;