-- The layers below a user's own preferences, and the users themselves: the environment's default set,
-- tenants (with their branding and default set) and identified users with their properties.

-- One default set per environment; absent until first written (reads then answer an empty set).
CREATE TABLE "environment_defaults" (
    "environment_id" UUID NOT NULL,
    "preferences" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "environment_defaults_pkey" PRIMARY KEY ("environment_id"),
    CONSTRAINT "environment_defaults_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- A tenant: custom properties at the top level of the resource, `branding` and `preference_set` under
-- its `settings`. `preference_set` keeps the `__strategy__` markers of its entries (read when evaluating).
CREATE TABLE "tenants" (
    "environment_id" UUID NOT NULL,
    "id" TEXT NOT NULL,
    "name" TEXT,
    "properties" JSONB NOT NULL DEFAULT '{}',
    "branding" JSONB,
    "preference_set" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("environment_id", "id"),
    CONSTRAINT "tenants_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- The listing: newest first, keyset on (created_at, id); and its `name` filter.
CREATE INDEX "tenants_environment_id_created_at_id_idx" ON "tenants"("environment_id", "created_at" DESC, "id" DESC);
CREATE INDEX "tenants_environment_id_name_idx" ON "tenants"("environment_id", "name");

-- An identified user: name, email, phone_number, locale, timezone, avatar and custom keys in `properties`.
CREATE TABLE "users" (
    "environment_id" UUID NOT NULL,
    "id" TEXT NOT NULL,
    "properties" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("environment_id", "id"),
    CONSTRAINT "users_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
