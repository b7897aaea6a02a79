#include "store/access_store.h"

#include "store/schema.h"
#include "store/sqlite.h"

namespace derm::store {

AccessStore::AccessStore(std::unique_ptr<Database> db)
    : db_(std::move(db)), tokens_(db_.get()), audit_(db_.get()) {}

AccessStore::~AccessStore() = default;

StatusOr<std::unique_ptr<AccessStore>> AccessStore::Open(const std::string& path) {
  DERM_ASSIGN_OR_RETURN(auto db, Database::Open(path));
  int64_t version = 0;
  {
    DERM_ASSIGN_OR_RETURN(auto s, db->Prepare("PRAGMA user_version"));
    DERM_ASSIGN_OR_RETURN(bool row, s.Step());
    version = row ? s.Int(0) : 0;
  }
  if (version != kSchemaVersion) {
    return FailedPrecondition(path + " has schema version " + std::to_string(version) + ", not " +
                              std::to_string(kSchemaVersion) + ": open it with the scheduler's Store first");
  }
  return std::unique_ptr<AccessStore>(new AccessStore(std::move(db)));
}

}  // namespace derm::store
