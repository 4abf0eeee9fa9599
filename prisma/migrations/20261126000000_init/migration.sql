-- CreateTable
CREATE TABLE "environments" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "environments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "environment_id" UUID NOT NULL,
    "key_hash" TEXT NOT NULL,
    "key_prefix" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable: rows are rewritten whole on every update, so leave room on each page for HOT updates.
CREATE TABLE "preference_sets" (
    "environment_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "set_id" TEXT NOT NULL,
    "preferences" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "preference_sets_pkey" PRIMARY KEY ("environment_id","user_id","set_id")
) WITH (fillfactor = 70);

-- CreateTable
CREATE TABLE "bulk_operations" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "seq" BIGSERIAL NOT NULL,
    "environment_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "set_id" TEXT NOT NULL,
    "strategy" TEXT NOT NULL,
    "user_ids" TEXT[],
    "preferences" JSONB NOT NULL,
    "estimated_total_rows" INTEGER NOT NULL,
    "processed_rows" INTEGER NOT NULL DEFAULT 0,
    "success_count" INTEGER NOT NULL DEFAULT 0,
    "error_count" INTEGER NOT NULL DEFAULT 0,
    "error_items" JSONB NOT NULL DEFAULT '[]',
    "idempotency_key" TEXT,
    "request_hash" TEXT,
    "failure_reason" TEXT,
    "lease_until" TIMESTAMPTZ(3),
    "inserted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "failed_at" TIMESTAMPTZ(3),

    CONSTRAINT "bulk_operations_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "bulk_operations_status_check" CHECK ("status" IN ('queued', 'processing', 'completed', 'failed')),
    CONSTRAINT "bulk_operations_strategy_check" CHECK ("strategy" IN ('replace', 'merge')),
    CONSTRAINT "bulk_operations_progress_check" CHECK (
        "processed_rows" >= 0 AND "processed_rows" <= "estimated_total_rows"
        AND "success_count" + "error_count" = "processed_rows")
);

-- CreateIndex
CREATE UNIQUE INDEX "environments_name_key" ON "environments"("name");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

-- CreateIndex
CREATE INDEX "api_keys_environment_id_idx" ON "api_keys"("environment_id");

-- CreateIndex
CREATE UNIQUE INDEX "bulk_operations_seq_key" ON "bulk_operations"("seq");

-- CreateIndex
CREATE UNIQUE INDEX "bulk_operations_environment_id_idempotency_key_key" ON "bulk_operations"("environment_id", "idempotency_key");

-- CreateIndex
CREATE INDEX "bulk_operations_environment_id_inserted_at_id_idx" ON "bulk_operations"("environment_id", "inserted_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "bulk_operations_status_inserted_at_idx" ON "bulk_operations"("status", "inserted_at");

-- CreateIndex: the unfinished operations, looked up by the ordering check and the reconciler.
CREATE INDEX "bulk_operations_active_idx" ON "bulk_operations"("environment_id", "set_id", "seq") WHERE "status" IN ('queued', 'processing');

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "preference_sets" ADD CONSTRAINT "preference_sets_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bulk_operations" ADD CONSTRAINT "bulk_operations_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE;
