-- Deleting a tenant removes every recipient's set for it and its audience memberships (recipients.md),
-- in chunks: these indexes find them without a scan. A `default` set is never a tenant's, and '' is a
-- membership for no tenant, so neither is indexed: writes of default sets (most of them) pay nothing.
CREATE INDEX "preference_sets_tenant_sets_idx" ON "preference_sets" ("environment_id", "set_id") WHERE "set_id" <> 'default';
CREATE INDEX "audience_members_tenant_idx" ON "audience_members" ("environment_id", "tenant") WHERE "tenant" <> '';
