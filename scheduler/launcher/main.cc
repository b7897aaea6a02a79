// derm-launcher: starts derm-workers on a batch system when the queue needs them, and lets them
// go when it does not (docs/deploy.md).
//   derm-launcher slurm --scheduler HOST:PORT --token-file launcher.token
//       --worker-token-file worker.token --worker-binary /opt/derm/bin/derm-worker
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/grpc/auth.h"
#include "common/utc_time.h"
#include "scheduler/launcher/launcher.h"
#include "scheduler/launcher/slurm.h"

namespace {

// derm-worker beside this binary (an install's bin/, or the build tree's worker/), else on $PATH.
std::string DefaultWorkerBinary() {
  char self[PATH_MAX] = {0};
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    const std::string dir = std::string(self, static_cast<size_t>(n)).substr(0, std::string(self).rfind('/'));
    for (const std::string& candidate : {dir + "/derm-worker", dir + "/../../worker/derm-worker"}) {
      if (access(candidate.c_str(), X_OK) == 0) {
        char real[PATH_MAX];
        if (realpath(candidate.c_str(), real)) return real;
      }
    }
  }
  return "derm-worker";
}

void Log(const std::string& line) {
  std::cerr << derm::UtcTime(derm::SystemClock().NowMillis()) << " derm-launcher: " << line << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"derm-launcher: starts derm-workers as batch jobs when queued jobs need them"};
  app.require_subcommand(1);
  auto* slurm = app.add_subcommand("slurm", "pilots are Slurm batch jobs (sbatch, squeue, scancel)");
  std::string address, token_file, slurm_bin;
  derm::TlsFiles tls;
  derm::launcher::LauncherOptions o;
  derm::launcher::PilotTemplate& t = o.pilot;
  double interval_s = 5, idle_s = 300, lost_s = 60;
  bool once = false;
  std::string template_file;
  slurm->add_option("--scheduler", address, "derm-scheduler's address HOST:PORT")
      ->envname("DERM_SERVER")
      ->required();
  slurm->add_option("--token-file", token_file, "this launcher's token (role launcher; default $DERM_TOKEN)")
      ->envname("DERM_TOKEN_FILE");
  slurm
      ->add_option("--tls-ca", tls.ca,
                   "verify the scheduler's certificate against this CA (also the workers')")
      ->envname("DERM_TLS_CA");
  slurm->add_option("--tls-cert", tls.cert, "this launcher's client certificate (mTLS, O=launcher)")
      ->envname("DERM_TLS_CERT");
  slurm->add_option("--tls-key", tls.key, "the key of --tls-cert")->envname("DERM_TLS_KEY");
  slurm->add_option("--worker-scheduler", t.scheduler, "the address workers dial (default: --scheduler)");
  slurm->add_option("--worker-token-file", t.token_file,
                    "the workers' token file (role worker), on a file system the nodes share");
  slurm->add_option("--worker-tls-cert", t.tls.cert, "the workers' client certificate (mTLS, O=worker)");
  slurm->add_option("--worker-tls-key", t.tls.key, "the key of --worker-tls-cert");
  t.worker_binary = DefaultWorkerBinary();
  slurm->add_option("--worker-binary", t.worker_binary, "derm-worker's path on the compute nodes")
      ->capture_default_str();
  slurm
      ->add_option("--worker-flag", t.worker_flags,
                   "one more derm-worker flag, e.g. --worker-flag=--data-root=/data (repeatable)")
      ->allow_extra_args(false);
  slurm->add_option("--gpu-device", t.gpu_device, "--device of workers with GPUs")->capture_default_str();
  slurm->add_option("--pilot-cpus", t.cpus, "CPUs per pilot (--cpus-per-task; the worker's --threads)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  slurm->add_option("--pilot-memory-mb", o.min_memory_mb, "memory of a pilot whose job asks for less")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30))
      ->capture_default_str();
  slurm->add_option("--pilot-time", t.time_limit,
                    "--time of pilots, e.g. 1-00:00:00 (default: the partition's)");
  slurm
      ->add_option("--signal-seconds", t.signal_seconds,
                   "USR1 this long before preemption or the time limit (the worker gives its job back)")
      ->check(CLI::Range(10, 3600))
      ->capture_default_str();
  slurm
      ->add_option("--sbatch-line", t.sbatch_lines,
                   "a site option for every pilot, e.g. --sbatch-line=--account=derm")
      ->allow_extra_args(false);
  slurm->add_option(
      "--template", template_file,
      "a batch script with {{SBATCH}} and {{WORKER}} where derm's lines go (module loads, env)");
  slurm->add_option("--job-name", t.job_name, "the pilots' batch job name")->capture_default_str();
  slurm->add_option("--log-dir", t.log_dir, "the pilots' output files go here (default: Slurm's)");
  slurm->add_option("--slurm-bin", slurm_bin, "where sbatch, squeue and scancel are (default: $PATH)");
  slurm->add_option("--max-workers", o.max_workers, "pilots alive at once")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  slurm->add_option("--max-submits-per-minute", o.max_submits_per_minute, "pilot submissions in any minute")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  slurm->add_option("--max-gpus-per-pilot", o.max_gpus_per_pilot, "jobs asking for more GPUs get no pilot")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  slurm->add_option("--idle-timeout", idle_s, "seconds a launched worker may idle before it is drained")
      ->check(CLI::Range(0.0, 1e7))
      ->capture_default_str();
  slurm->add_option("--lost-grace", lost_s, "seconds before a pilot whose worker was lost is cancelled")
      ->check(CLI::Range(0.0, 1e7))
      ->capture_default_str();
  slurm->add_option("--interval", interval_s, "seconds between rounds")
      ->check(CLI::Range(0.05, 3600.0))
      ->capture_default_str();
  slurm->add_flag("--once", once, "one round, then exit");
  CLI11_PARSE(app, argc, argv);

  if (t.token_file.empty() && (t.tls.cert.empty() || t.tls.key.empty())) {
    std::cerr
        << "derm-launcher: give the workers credentials: --worker-token-file (a token of role worker) or "
           "--worker-tls-cert and --worker-tls-key (mTLS, O=worker)\n";
    return 2;
  }
  if (t.scheduler.empty()) t.scheduler = address;
  t.tls.ca = tls.ca;
  o.idle_timeout_ms = static_cast<int64_t>(idle_s * 1000);
  o.lost_grace_ms = static_cast<int64_t>(lost_s * 1000);
  if (!template_file.empty()) {
    std::ifstream in(template_file);
    std::stringstream text;
    text << in.rdbuf();
    if (!in || text.str().size() > (64 << 10)) {
      std::cerr << "derm-launcher: cannot read --template " << template_file << " (at most 64 KiB)\n";
      return 2;
    }
    t.script_template = text.str();
  }
  // A bad template, flag or site line is found now, not at the first queued job.
  if (auto probe = derm::launcher::RenderSbatchScript({}, t); !probe.ok()) {
    std::cerr << "derm-launcher: " << probe.status().message() << "\n";
    return 2;
  }
  auto token = derm::LoadToken(token_file);
  if (!token.ok()) {
    std::cerr << "derm-launcher: " << token.status().message() << "\n";
    return 2;
  }
  auto api = derm::launcher::GrpcSchedulerApi::Connect(address, *token, tls);
  if (!api.ok()) {
    std::cerr << "derm-launcher: " << api.status().message() << "\n";
    return 2;
  }
  derm::launcher::Slurm batch(slurm_bin);
  derm::SystemClock clock;
  derm::launcher::Launcher launcher(o, api->get(), &batch, &clock);

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a batch command that exits before reading its input
  Log("watching " + address + " for queued jobs; pilots are Slurm jobs named " + t.job_name + " running " +
      t.worker_binary);
  std::string last_error;
  for (;;) {
    auto report = launcher.Tick();
    if (!report.ok()) {
      if (report.status().message() != last_error)
        Log("this round changed nothing: " + report.status().message());
      last_error = report.status().message();
    } else {
      last_error.clear();
      for (const auto& id : report->submitted) Log("submitted pilot " + id);
      for (const auto& id : report->cancelled) Log("cancelled pilot " + id);
      for (int64_t id : report->drained) Log("drained idle worker " + std::to_string(id));
      for (const auto& note : report->notes) Log(note);
    }
    if (once) return report.ok() ? 0 : 1;
    timespec wait{static_cast<time_t>(interval_s),
                  static_cast<long>((interval_s - static_cast<time_t>(interval_s)) * 1e9)};
    if (sigtimedwait(&stop, nullptr, &wait) > 0) {
      Log("stopping; pilots keep running and a restarted launcher takes them over");
      return 0;
    }
  }
}
