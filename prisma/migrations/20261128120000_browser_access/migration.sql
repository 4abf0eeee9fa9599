-- Browser access: API keys get a kind (secret, or public for browsers), can be revoked, and record when
-- they were last used (to the minute); signing keys hold the public half of the RSA key pairs that sign
-- user tokens. Existing keys are secret keys.
ALTER TABLE "api_keys"
    ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'secret',
    ADD COLUMN "revoked_at" TIMESTAMPTZ(3),
    ADD COLUMN "last_used_at" TIMESTAMPTZ(3),
    ADD CONSTRAINT "api_keys_kind_check" CHECK ("kind" IN ('secret', 'public'));

-- CreateTable
CREATE TABLE "signing_keys" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "environment_id" UUID NOT NULL,
    "public_key_pem" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "signing_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex: the active signing keys of an environment, read by every API process's key cache.
CREATE INDEX "signing_keys_environment_id_idx" ON "signing_keys"("environment_id");

-- AddForeignKey
ALTER TABLE "signing_keys" ADD CONSTRAINT "signing_keys_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE;
