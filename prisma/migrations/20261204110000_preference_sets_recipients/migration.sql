-- One recipient model (recipients.md section 1): a preference set belongs to a recipient (collection, id),
-- users under the reserved collection '$users', as channel data and subscriptions already are. Every
-- stored set is a user's: the column is added with '$users' as its value (stored in the catalog, no row
-- rewritten), then the default is dropped so that every write names its recipient's collection.
ALTER TABLE "preference_sets" RENAME COLUMN "user_id" TO "recipient_id";
ALTER TABLE "preference_sets" ADD COLUMN "recipient_collection" TEXT NOT NULL DEFAULT '$users';
ALTER TABLE "preference_sets" ALTER COLUMN "recipient_collection" DROP DEFAULT;

-- The key leads with the collection, so a user's sets (and a bulk batch's users) are still one range of it.
ALTER TABLE "preference_sets" DROP CONSTRAINT "preference_sets_pkey",
  ADD CONSTRAINT "preference_sets_pkey" PRIMARY KEY ("environment_id", "recipient_collection", "recipient_id", "set_id");
