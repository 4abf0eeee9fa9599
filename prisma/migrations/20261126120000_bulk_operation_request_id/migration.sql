-- The X-Request-ID of the request that created the operation, so that the workers' log lines about it
-- carry the same id as the API's (the job itself carries only the operation id).
ALTER TABLE "bulk_operations" ADD COLUMN "request_id" TEXT;
