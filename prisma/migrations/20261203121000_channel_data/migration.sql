-- Channel data (recipients.md): push tokens, chat connections and the like, one row per recipient and
-- channel. A recipient is (collection, id), users under the reserved collection '$users', so users and
-- objects share this table and its code. No foreign key to users: like preference sets, channel data may
-- be written for a recipient before it is identified.
CREATE TABLE "channel_data" (
  "environment_id" UUID NOT NULL,
  "recipient_collection" TEXT NOT NULL,
  "recipient_id" TEXT NOT NULL,
  "channel_id" UUID NOT NULL,
  "data" JSONB NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "channel_data_pkey" PRIMARY KEY ("environment_id", "recipient_collection", "recipient_id", "channel_id"),
  CONSTRAINT "channel_data_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  -- The API holds one channel's data to 16 KB of JSON; this bounds what any other path could store.
  CONSTRAINT "channel_data_size" CHECK (pg_column_size("data") <= 32768)
);
