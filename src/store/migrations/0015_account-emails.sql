ALTER TABLE "account_users" ADD COLUMN "email" text;--> statement-breakpoint
ALTER TABLE "account_users" ADD CONSTRAINT "account_users_email_unique" UNIQUE("email");