-- Logins are unique by their login key (case, Cyrillic look-alike letters and
-- invisible characters folded: domain::text::login_key), looked up through
-- accounts.login_norm, which now holds domain::text::login_norm (the key
-- without separators). SQL cannot compute it: the store's migrate step
-- recomputes login_norm of every existing login in Rust right after this
-- script (store::pool::recompute_login_norms), in the same transaction.
--
-- The lookup of an import's logins is by provider and login_norm.
CREATE INDEX accounts_by_provider_login ON accounts (provider, login_norm);
