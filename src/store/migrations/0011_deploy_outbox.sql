CREATE TABLE "deploy_outbox" (
	"id" text PRIMARY KEY NOT NULL,
	"event" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX "deploy_outbox_created_idx" ON "deploy_outbox" USING btree ("created_at","id");