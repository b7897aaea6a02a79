// dermctl whoami / token create|list|revoke / events --audit.
#include <grpcpp/grpcpp.h>

#include "client/commands.h"
#include "common/strings.h"

namespace derm::client {
namespace {

std::string Role(derm::v1::Role role) { return AsciiLower(derm::v1::Role_Name(role)); }

}  // namespace

int WhoAmI(Connection& conn, std::ostream& out, std::ostream& err) {
  derm::v1::WhoAmIResponse me;
  if (Status st = conn.Call(&AccessStub::WhoAmI, derm::v1::WhoAmIRequest(), &me); !st.ok())
    return Fail(st, err);
  out << me.user() << " (" << Role(me.role()) << ", by " << me.via() << ")\n";
  return kExitOk;
}

int CreateToken(Connection& conn, const TokenOptions& options, std::ostream& out, std::ostream& err) {
  derm::v1::Role role = derm::v1::ROLE_UNSPECIFIED;
  if (!derm::v1::Role_Parse(AsciiUpper(options.role), &role) || role == derm::v1::ROLE_UNSPECIFIED) {
    return Fail(
        InvalidArgument("--role " + options.role + " is not one of viewer, editor, admin, worker, launcher"),
        err);
  }
  derm::v1::CreateTokenRequest req;
  req.set_user(options.user);
  req.set_role(role);
  req.set_ttl_ms(options.expires_s * 1000);
  derm::v1::CreateTokenResponse resp;
  if (Status st = conn.Call(&AccessStub::CreateToken, req, &resp); !st.ok()) return Fail(st, err);
  out << resp.secret() << "\n";  // alone on standard output, so that `> FILE` keeps just the token
  err << "dermctl: token " << resp.token().id() << " for " << resp.token().user() << " ("
      << Role(resp.token().role()) << ")"
      << (resp.token().expires_ms() ? ", expires " + UtcTime(resp.token().expires_ms()) + " UTC" : "")
      << "; it is shown this once (the scheduler keeps only its SHA-256)\n";
  return kExitOk;
}

int ListTokens(Connection& conn, OutputFormat format, std::ostream& out, std::ostream& err) {
  derm::v1::ListTokensResponse resp;
  if (Status st = conn.Call(&AccessStub::ListTokens, derm::v1::ListTokensRequest(), &resp); !st.ok())
    return Fail(st, err);
  if (IsStructured(format)) {
    out << ProtoText(resp, format);
    return kExitOk;
  }
  Table t{{"TOKEN", "USER", "ROLE", "CREATED (UTC)", "EXPIRES (UTC)", "REVOKED (UTC)", "CREATED_BY"}, {}};
  for (const auto& tok : resp.tokens()) {
    t.rows.push_back({std::to_string(tok.id()), tok.user(), Role(tok.role()), UtcTime(tok.created_ms()),
                      tok.expires_ms() ? UtcTime(tok.expires_ms()) : "never", UtcTime(tok.revoked_ms()),
                      tok.created_by()});
  }
  PrintTable(t, format, out);
  return kExitOk;
}

int RevokeToken(Connection& conn, int64_t id, std::ostream& out, std::ostream& err) {
  derm::v1::RevokeTokenRequest req;
  req.set_id(id);
  derm::v1::Token tok;
  if (Status st = conn.Call(&AccessStub::RevokeToken, req, &tok); !st.ok()) return Fail(st, err);
  out << "token " << tok.id() << " of " << tok.user() << " (" << Role(tok.role()) << ") revoked at "
      << UtcTime(tok.revoked_ms()) << " UTC\n";
  return kExitOk;
}

int AuditEvents(Connection& conn, int limit, OutputFormat format, std::ostream& out, std::ostream& err) {
  derm::v1::ListAuditEventsRequest req;
  req.set_limit(limit);
  derm::v1::ListAuditEventsResponse resp;
  if (Status st = conn.Call(&AccessStub::ListAuditEvents, req, &resp); !st.ok()) return Fail(st, err);
  if (IsStructured(format)) {
    out << ProtoText(resp, format);
    return kExitOk;
  }
  Table t{{"EVENT", "TIME (UTC)", "PRINCIPAL", "ACTION", "OUTCOME", "PEER", "DETAIL"}, {}};
  for (const auto& e : resp.events()) {
    t.rows.push_back({std::to_string(e.id()), UtcTime(e.time_ms()), e.principal(), e.action(), e.outcome(),
                      e.peer(), e.detail()});
  }
  PrintTable(t, format, out);
  return kExitOk;
}

}  // namespace derm::client
