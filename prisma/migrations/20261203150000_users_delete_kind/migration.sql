-- users.delete (Knock's bulkDeleteUsers): a bulk operation kind that removes users and everything of them.
ALTER TABLE "bulk_operations" DROP CONSTRAINT "bulk_operations_name_check";
ALTER TABLE "bulk_operations" ADD CONSTRAINT "bulk_operations_name_check"
    CHECK ("name" IN ('users.set_preferences', 'tenants.set', 'users.identify', 'users.delete'));
