// The tokens table: bearer tokens by the SHA-256 of their secret (the secret is never stored),
// with the user and role they stand for, expiry and revocation. Each change is one transaction
// that also appends its audit event.
// Thread-safety: not thread-safe; one thread uses a connection at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status_or.h"
#include "derm/v1/access.pb.h"

namespace derm::store {

class Database;

struct StoredToken {
  derm::v1::Token token;
  std::string sha256;  // hex, of the secret
};

class TokenTable {
 public:
  explicit TokenTable(Database* db) : db_(db) {}
  // Stores a token (token.id is assigned and returned in the copy) and `audit`, together.
  StatusOr<derm::v1::Token> Insert(const StoredToken& token, const derm::v1::AuditEvent& audit);
  // Every token, oldest first.
  StatusOr<std::vector<StoredToken>> All();
  // Sets revoked_ms (kept when already revoked) and appends `audit`, together. NOT_FOUND for an
  // unknown id.
  StatusOr<derm::v1::Token> Revoke(int64_t id, int64_t now_ms, const derm::v1::AuditEvent& audit);

 private:
  Database* db_;
};

}  // namespace derm::store
