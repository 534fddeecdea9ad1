CREATE TABLE "run_holds" (
	"run_id" text PRIMARY KEY NOT NULL,
	"plan" jsonb NOT NULL,
	"held_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gate_approvals" (
	"id" text PRIMARY KEY NOT NULL,
	"decision_id" text NOT NULL,
	"run_id" text NOT NULL,
	"by" text NOT NULL,
	"verdict" text NOT NULL,
	"comment" text,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gate_decisions" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"job_key" text NOT NULL,
	"project" text NOT NULL,
	"commit" text,
	"author" text NOT NULL,
	"environment" text NOT NULL,
	"decision" text NOT NULL,
	"status" text NOT NULL,
	"reasons" jsonb NOT NULL,
	"required" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"detail" jsonb NOT NULL,
	"policy_file" text NOT NULL,
	"policy_sha256" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"closed_reason" text
);
--> statement-breakpoint
ALTER TABLE "run_holds" ADD CONSTRAINT "run_holds_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gate_approvals" ADD CONSTRAINT "gate_approvals_decision_id_gate_decisions_id_fk" FOREIGN KEY ("decision_id") REFERENCES "public"."gate_decisions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "gate_approvals_once_idx" ON "gate_approvals" USING btree ("decision_id","by");--> statement-breakpoint
CREATE UNIQUE INDEX "gate_decisions_run_job_idx" ON "gate_decisions" USING btree ("run_id","job_key");--> statement-breakpoint
CREATE INDEX "gate_decisions_status_idx" ON "gate_decisions" USING btree ("status");