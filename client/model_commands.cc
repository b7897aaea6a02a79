// dermctl model register|promote|list: the model registry (docs/models.md).
#include <grpcpp/grpcpp.h>

#include "client/commands.h"
#include "common/strings.h"

namespace derm::client {
namespace {

std::string Gates(const derm::v1::ModelVersion& v) {
  if (v.gates() == 0) return "no gates";
  return std::to_string(v.gates_passed()) + "/" + std::to_string(v.gates()) + " passed";
}

void PrintVersion(const derm::v1::ModelVersion& v, std::ostream& out) {
  out << v.name() << " version " << v.version() << " (run " << v.run_id() << ", "
      << (v.gates() == 0 ? "" : "gates ") << Gates(v) << "): " << v.stage() << "\n";
}

}  // namespace

int RegisterModel(Connection& conn, int64_t run_id, const std::string& name, std::ostream& out,
                  std::ostream& err) {
  derm::v1::RegisterModelRequest req;
  req.set_run_id(run_id);
  req.set_name(name);
  derm::v1::ModelVersion v;
  if (Status st = conn.Call(&ModelStub::RegisterModel, req, &v); !st.ok()) return Fail(st, err);
  PrintVersion(v, out);
  return kExitOk;
}

int PromoteModel(Connection& conn, const PromoteOptions& options, std::ostream& out, std::ostream& err) {
  derm::v1::PromoteModelRequest req;
  req.set_name(options.name);
  req.set_version(options.version);
  req.set_stage(options.stage);
  req.set_force(options.force);
  req.set_reason(options.reason);
  derm::v1::ModelVersion v;
  if (Status st = conn.Call(&ModelStub::PromoteModel, req, &v); !st.ok()) return Fail(st, err);
  PrintVersion(v, out);
  if (!v.history().empty() && v.history().rbegin()->forced()) {
    err << "dermctl: forced past the gates (" << Gates(v) << "); recorded as forced by "
        << v.history().rbegin()->changed_by() << "\n";
  }
  return kExitOk;
}

int ListModels(Connection& conn, const std::string& name, OutputFormat format, std::ostream& out,
               std::ostream& err) {
  derm::v1::ListModelVersionsRequest req;
  req.set_name(name);
  derm::v1::ListModelVersionsResponse resp;
  if (Status st = conn.Call(&ModelStub::ListModelVersions, req, &resp); !st.ok()) return Fail(st, err);
  if (IsStructured(format)) {
    out << ProtoText(resp, format);
    return kExitOk;
  }
  Table t{{"MODEL", "VERSION", "RUN", "STAGE", "GATES", "REGISTERED (UTC)", "BY", "LAST CHANGE"}, {}};
  for (const auto& v : resp.versions()) {
    std::string last;
    if (!v.history().empty()) {
      const auto& c = *v.history().rbegin();
      last = c.from_stage() + " -> " + c.to_stage() + " by " + c.changed_by() +
             (c.forced() ? " (forced)" : "") + " " + UtcTime(c.changed_ms());
    }
    t.rows.push_back({v.name(), std::to_string(v.version()), std::to_string(v.run_id()), v.stage(), Gates(v),
                      UtcTime(v.registered_ms()), v.registered_by(), last});
  }
  PrintTable(t, format, out);
  return kExitOk;
}

}  // namespace derm::client
