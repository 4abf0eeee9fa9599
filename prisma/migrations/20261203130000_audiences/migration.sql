-- Audiences (recipients.md): named groups of users, each membership optionally for one tenant. The
-- condition `is_audience_member` reads memberships in the same statement as the other evaluation inputs.
CREATE TABLE "audiences" (
  "environment_id" UUID NOT NULL,
  "key" TEXT NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "audiences_pkey" PRIMARY KEY ("environment_id", "key"),
  CONSTRAINT "audiences_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- `tenant` '' is a membership for no tenant in particular: tenant ids are never empty, and a key column
-- that is never NULL keeps one membership one row (a primary key cannot hold NULL).
CREATE TABLE "audience_members" (
  "environment_id" UUID NOT NULL,
  "audience_key" TEXT NOT NULL,
  "user_id" TEXT NOT NULL,
  "tenant" TEXT NOT NULL DEFAULT '',
  "added_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "audience_members_pkey" PRIMARY KEY ("environment_id", "audience_key", "user_id", "tenant"),
  CONSTRAINT "audience_members_audience_fkey" FOREIGN KEY ("environment_id", "audience_key") REFERENCES "audiences"("environment_id", "key") ON DELETE CASCADE ON UPDATE CASCADE
);

-- Evaluation and deletes find a user's memberships by user.
CREATE INDEX "audience_members_environment_id_user_id_idx" ON "audience_members" ("environment_id", "user_id");
-- Listing pages an audience newest first without sorting all of it.
CREATE INDEX "audience_members_listing_idx" ON "audience_members" ("environment_id", "audience_key", "added_at" DESC, "user_id", "tenant");
