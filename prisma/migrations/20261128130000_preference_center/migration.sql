-- The preference center and one-click unsubscribe: the secrets that sign end users' links, the page's
-- layout per environment, and every unsubscribe made through a link.

-- HMAC-SHA256 keys of an environment's links. The newest one not retired signs new links; every one not
-- retired verifies (rotation: a new secret becomes current, links signed by older ones keep working
-- until those are retired).
CREATE TABLE "link_secrets" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "environment_id" UUID NOT NULL,
    "secret" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at" TIMESTAMPTZ(3),

    CONSTRAINT "link_secrets_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "link_secrets_secret_length_check" CHECK (octet_length("secret") = 32),
    CONSTRAINT "link_secrets_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE INDEX "link_secrets_environment_id_created_at_idx" ON "link_secrets"("environment_id", "created_at" DESC);

-- The preference center's layout: title, description and rows, as PUT /v1/preference_center took them.
CREATE TABLE "preference_center_layouts" (
    "environment_id" UUID NOT NULL,
    "layout" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "preference_center_layouts_pkey" PRIMARY KEY ("environment_id"),
    CONSTRAINT "preference_center_layouts_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- One row per unsubscribe (a one-click POST, or commercial mail turned off on the page), written in the
-- transaction that changes the preference set. `scope` is null for commercial_subscribed, else the key
-- set to false (`categories.<key>` or `workflows.<key>`).
CREATE TABLE "unsubscribes" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "environment_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "scope" TEXT,
    "tenant" TEXT,
    "link_id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "unsubscribes_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "unsubscribes_source_check" CHECK ("source" IN ('one_click', 'preference_center')),
    CONSTRAINT "unsubscribes_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- The listing: one user's, newest first.
CREATE INDEX "unsubscribes_environment_id_user_id_created_at_id_idx" ON "unsubscribes"("environment_id", "user_id", "created_at" DESC, "id" DESC);
