-- Request signing (lib/auth/request-signature.ts): every signature accepted within its window, so
-- a replay is refused by whichever API process it reaches. A row is inserted only after the HMAC
-- verified; expires_at is the signature's timestamp + REQUEST_SIGNATURE_TTL_SECONDS, after which
-- the window refuses it anyway and the row is purged by later inserts (db/request-signatures.ts).
create table request_signatures (
  signature text primary key check (signature ~ '^[0-9a-f]{64}$'),
  expires_at timestamptz not null
);
create index request_signatures_expires_at on request_signatures (expires_at);
