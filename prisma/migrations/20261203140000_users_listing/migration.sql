-- Knock's listUsers pages an environment's users newest first: the index serves a page in either
-- direction at any depth (as tenants' and operations' listings are served).
CREATE INDEX "users_environment_id_created_at_id_idx" ON "users" ("environment_id", "created_at" DESC, "id" DESC);
