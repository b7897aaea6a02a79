#include "scheduler/launcher/sbatch_script.h"

namespace derm::launcher {
namespace {

constexpr char kDefaultTemplate[] = "#!/bin/bash\n{{SBATCH}}\n{{WORKER}}\n";

bool OneLine(const std::string& s) { return s.find_first_of("\n\r") == std::string::npos; }

}  // namespace

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

StatusOr<std::string> RenderSbatchScript(const PilotShape& shape, const PilotTemplate& t) {
  DERM_RETURN_IF_ERROR(CheckLaunchable(shape));
  for (const auto& line : t.sbatch_lines) {
    if (!OneLine(line)) return InvalidArgument("an sbatch line holds a line break");
  }
  for (const auto& flag : t.worker_flags) {
    if (!OneLine(flag)) return InvalidArgument("a worker flag holds a line break");
  }
  std::vector<std::string> sbatch = {"--job-name=" + t.job_name,
                                     "--comment=" + EncodeShape(shape),
                                     "--nodes=1",
                                     "--ntasks=1",
                                     "--cpus-per-task=" + std::to_string(t.cpus),
                                     "--signal=B:USR1@" + std::to_string(t.signal_seconds)};
  if (shape.gpus > 0) sbatch.push_back("--gres=gpu:" + std::to_string(shape.gpus));
  if (shape.memory_mb > 0) sbatch.push_back("--mem=" + std::to_string(shape.memory_mb) + "M");
  if (const std::string p = PartitionOf(shape); !p.empty()) sbatch.push_back("--partition=" + p);
  if (const std::string c = ConstraintOf(shape); !c.empty()) sbatch.push_back("--constraint=" + c);
  if (!t.time_limit.empty()) sbatch.push_back("--time=" + t.time_limit);
  if (!t.log_dir.empty()) sbatch.push_back("--output=" + t.log_dir + "/" + t.job_name + "-%j.out");
  sbatch.insert(sbatch.end(), t.sbatch_lines.begin(), t.sbatch_lines.end());
  std::string sbatch_text;
  for (const auto& s : sbatch) {
    if (!OneLine(s)) return InvalidArgument("an #SBATCH option holds a line break: " + s.substr(0, 64));
    sbatch_text += (sbatch_text.empty() ? "" : "\n") + std::string("#SBATCH ") + s;
  }

  std::vector<std::string> argv = {t.worker_binary, "--scheduler", t.scheduler};
  auto add = [&](const char* flag, const std::string& value) {
    if (!value.empty()) argv.insert(argv.end(), {flag, value});
  };
  add("--token-file", t.token_file);
  add("--tls-ca", t.tls.ca);
  add("--tls-cert", t.tls.cert);
  add("--tls-key", t.tls.key);
  add("--device", shape.gpus > 0 ? t.gpu_device : "cpu");
  add("--gpus", std::to_string(shape.gpus));
  add("--memory-mb", std::to_string(shape.memory_mb));
  add("--threads", std::to_string(t.cpus));
  for (const auto& l : shape.labels) add("--label", l);
  argv.insert(argv.end(), t.worker_flags.begin(), t.worker_flags.end());
  // The name is the batch job's: "$SLURM_JOB_ID" is expanded by the shell, the rest is quoted.
  std::string worker_text = "exec";
  for (const auto& a : argv) worker_text += " " + ShellQuote(a);
  worker_text += " --name " + ShellQuote(t.job_name + "-") + "\"$SLURM_JOB_ID\"";

  std::string script = t.script_template.empty() ? kDefaultTemplate : t.script_template;
  const size_t s = script.find("{{SBATCH}}");
  if (s == std::string::npos) return InvalidArgument("the pilot template has no {{SBATCH}}");
  script.replace(s, 10, sbatch_text);
  const size_t w = script.find("{{WORKER}}");
  if (w == std::string::npos) return InvalidArgument("the pilot template has no {{WORKER}}");
  script.replace(w, 10, worker_text);
  return script;
}

}  // namespace derm::launcher
