ALTER TABLE "flag_api_keys" ADD COLUMN "last_used_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "flag_api_keys" ADD COLUMN "revoked_by" text;--> statement-breakpoint
ALTER TABLE "flag_api_keys" ADD COLUMN "revoked_reason" text;