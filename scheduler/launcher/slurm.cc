#include "scheduler/launcher/slurm.h"

#include <set>

#include "common/process/run_command.h"
#include "common/strings.h"

namespace derm::launcher {
namespace {

// The first line of a failed command's stderr (or stdout), for one-line messages.
std::string FirstLine(const CommandOutput& o) {
  const std::string& text = o.err.empty() ? o.out : o.err;
  return Trim(text.substr(0, std::min(text.find('\n'), size_t{300})));
}

StatusOr<CommandOutput> RunChecked(const std::vector<std::string>& argv, const std::string& input = "") {
  auto out = RunCommand(argv, input);
  if (!out.ok()) return Unavailable(out.status().message());
  if (out->exit_code != 0) {
    return Unavailable(argv[0] + " failed (exit " + std::to_string(out->exit_code) + "): " + FirstLine(*out));
  }
  return out;
}

bool ValidId(const std::string& id) {
  return !id.empty() && id.size() <= 32 && id.find_first_not_of("0123456789_") == std::string::npos;
}

}  // namespace

std::string Slurm::Tool(const char* name) const { return bin_dir_.empty() ? name : bin_dir_ + "/" + name; }

StatusOr<std::string> Slurm::Submit(const std::string& script) {
  DERM_ASSIGN_OR_RETURN(CommandOutput out, RunChecked({Tool("sbatch"), "--parsable"}, script));
  return ParseSbatchOutput(out.out);
}

StatusOr<std::vector<BatchJob>> Slurm::List(const std::string& job_name) {
  DERM_ASSIGN_OR_RETURN(CommandOutput out, RunChecked({Tool("squeue"), "--me", "--noheader", "--states=all",
                                                       "--name=" + job_name, "--format=%i|%T|%r|%k"}));
  return ParseSqueueOutput(out.out);
}

Status Slurm::Cancel(const std::string& id) {
  if (!ValidId(id)) return InvalidArgument("'" + id + "' is not a Slurm job id");
  return RunChecked({Tool("scancel"), id}).status();
}

StatusOr<std::string> ParseSbatchOutput(const std::string& out) {
  const std::string id = Trim(out.substr(0, out.find(';')));
  if (!ValidId(id)) return InvalidArgument("sbatch printed no job id: '" + Trim(out).substr(0, 100) + "'");
  return id;
}

std::vector<BatchJob> ParseSqueueOutput(const std::string& out) {
  std::vector<BatchJob> jobs;
  for (const auto& line : Split(out, '\n')) {
    const auto f = Split(line, '|');
    if (f.size() < 4 || !ValidId(Trim(f[0]))) continue;
    BatchJob& j = jobs.emplace_back();
    j.id = Trim(f[0]);
    j.state = SlurmState(Trim(f[1]));
    const std::string reason = Trim(f[2]);
    j.detail = Trim(f[1]) + (reason.empty() || reason == "None" ? "" : " (" + reason + ")");
    // The comment may itself hold '|': everything after the third field.
    j.comment = Trim(line.substr(f[0].size() + f[1].size() + f[2].size() + 3));
  }
  return jobs;
}

BatchJobState SlurmState(const std::string& state) {
  static const std::set<std::string> ended = {"COMPLETED",     "FAILED",       "CANCELLED", "TIMEOUT",
                                              "NODE_FAIL",     "PREEMPTED",    "BOOT_FAIL", "DEADLINE",
                                              "OUT_OF_MEMORY", "SPECIAL_EXIT", "REVOKED"};
  static const std::set<std::string> pending = {"PENDING",     "CONFIGURING",  "REQUEUED",
                                                "REQUEUE_FED", "REQUEUE_HOLD", "RESV_DEL_HOLD"};
  if (ended.count(state)) return BatchJobState::kEnded;
  if (pending.count(state)) return BatchJobState::kPending;
  return BatchJobState::kRunning;  // RUNNING, COMPLETING, SUSPENDED, STOPPED, SIGNALING, ...
}

}  // namespace derm::launcher
