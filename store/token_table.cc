#include "store/token_table.h"

#include "store/audit_log.h"
#include "store/sqlite.h"

namespace derm::store {
namespace {

constexpr const char* kColumns = "id, user, role, sha256, created_ms, expires_ms, revoked_ms, created_by";

StoredToken ReadToken(const Statement& row) {
  StoredToken t;
  t.token.set_id(row.Int(0));
  t.token.set_user(row.Text(1));
  derm::v1::Role role = derm::v1::ROLE_UNSPECIFIED;
  derm::v1::Role_Parse(row.Text(2), &role);
  t.token.set_role(role);
  t.sha256 = row.Text(3);
  t.token.set_created_ms(row.Int(4));
  t.token.set_expires_ms(row.Int(5));  // NULL reads as 0: never
  t.token.set_revoked_ms(row.Int(6));
  t.token.set_created_by(row.Text(7));
  return t;
}

}  // namespace

StatusOr<derm::v1::Token> TokenTable::Insert(const StoredToken& t, const derm::v1::AuditEvent& audit) {
  Transaction txn(db_);
  DERM_RETURN_IF_ERROR(txn.status());
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("INSERT INTO tokens(user, role, sha256, created_ms, expires_ms, "
                                             "created_by) VALUES (?,?,?,?,?,?)"));
  s.Bind(1, t.token.user()).Bind(2, derm::v1::Role_Name(t.token.role())).Bind(3, t.sha256);
  s.Bind(4, t.token.created_ms())
      .BindOrNull(5, t.token.expires_ms(), int64_t{0})
      .Bind(6, t.token.created_by());
  DERM_RETURN_IF_ERROR(s.Run());
  derm::v1::Token stored = t.token;
  stored.set_id(db_->LastInsertId());
  derm::v1::AuditEvent event = audit;
  event.set_detail(event.detail() + (event.detail().empty() ? "" : "; ") + "token " +
                   std::to_string(stored.id()));
  DERM_RETURN_IF_ERROR(InsertAuditRow(db_, event));
  DERM_RETURN_IF_ERROR(txn.Commit());
  return stored;
}

StatusOr<std::vector<StoredToken>> TokenTable::All() {
  DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare(std::string("SELECT ") + kColumns + " FROM tokens ORDER BY id"));
  std::vector<StoredToken> out;
  DERM_RETURN_IF_ERROR(ForEachRow(s, [&](const Statement& row) { out.push_back(ReadToken(row)); }));
  return out;
}

StatusOr<derm::v1::Token> TokenTable::Revoke(int64_t id, int64_t now_ms, const derm::v1::AuditEvent& audit) {
  Transaction txn(db_);
  DERM_RETURN_IF_ERROR(txn.status());
  {
    DERM_ASSIGN_OR_RETURN(auto s, db_->Prepare("UPDATE tokens SET revoked_ms = coalesce(revoked_ms, ?) "
                                               "WHERE id = ?"));
    DERM_RETURN_IF_ERROR(s.Bind(1, now_ms).Bind(2, id).Run());
    if (db_->Changes() != 1) return NotFound("token " + std::to_string(id) + " does not exist");
  }
  DERM_RETURN_IF_ERROR(InsertAuditRow(db_, audit));
  derm::v1::Token token;
  {  // finalised before the commit
    DERM_ASSIGN_OR_RETURN(auto s,
                          db_->Prepare(std::string("SELECT ") + kColumns + " FROM tokens WHERE id = ?"));
    DERM_ASSIGN_OR_RETURN(bool row, s.Bind(1, id).Step());
    if (!row) return NotFound("token " + std::to_string(id) + " does not exist");
    token = ReadToken(s).token;
  }
  DERM_RETURN_IF_ERROR(txn.Commit());
  return token;
}

}  // namespace derm::store
