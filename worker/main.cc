// derm-worker: runs training tasks leased from derm-scheduler.
//   derm-worker --scheduler 127.0.0.1:50051 [--device cpu|cuda:0]
//   derm-worker demo-data --out data/demo     (writes the synthetic demo dataset)
//   derm-worker features --images DIR --out features.csv [--weights W] [--head CKPT --classes a,b]
#include <ATen/Context.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>

#include "common/grpc/auth.h"
#include "common/grpc/limits.h"
#include "common/strings.h"
#include "worker/data/demo_data.h"
#include "worker/data/demo_metadata.h"
#include "worker/feature_export.h"
#include "worker/worker_loop.h"

int main(int argc, char** argv) {
  CLI::App app{"derm-worker: trains derm jobs leased from a derm-scheduler"};
  app.require_subcommand(0, 1);
  derm::worker::WorkerOptions opt;
  char host[256] = "worker";
  gethostname(host, sizeof host - 1);
  opt.name = std::string(host) + "-" + std::to_string(getpid());
  app.add_option("--scheduler", opt.scheduler, "scheduler address HOST:PORT")->envname("DERM_SERVER");
  app.add_option("--name", opt.name, "worker name shown in listings");
  std::string token_file;
  app.add_option("--token-file", token_file,
                 "file holding this worker's token (role worker; default $DERM_TOKEN)")
      ->envname("DERM_TOKEN_FILE");
  app.add_option("--tls-ca", opt.tls.ca, "verify the scheduler's TLS certificate against this CA (PEM)")
      ->envname("DERM_TLS_CA");
  app.add_option("--tls-cert", opt.tls.cert,
                 "client certificate for mTLS (PEM; O=worker identifies a worker)")
      ->envname("DERM_TLS_CERT");
  app.add_option("--tls-key", opt.tls.key, "the key of --tls-cert (PEM)")->envname("DERM_TLS_KEY");
  app.add_option("--device", opt.runner.device, "cpu, cuda or cuda:N");
  app.add_option("--gpus", opt.gpus, "GPUs this worker offers to jobs")->check(CLI::Range(0, 64));
  app.add_option("--memory-mb", opt.memory_mb, "memory this worker offers to jobs")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  app.add_option("--label", opt.labels, "labels jobs may require (repeatable)");
  if (const char* slurm_job = std::getenv("SLURM_JOB_ID"))
    opt.cluster_job = std::string("slurm:") + slurm_job;
  app.add_option(
         "--cluster-job", opt.cluster_job,
         "the batch job running this worker, shown in listings (default slurm:$SLURM_JOB_ID under Slurm)")
      ->envname("DERM_CLUSTER_JOB");
  // Only shown in listings: a long list of GPU UUIDs is cut rather than refused at registration.
  if (const char* gpus = std::getenv("CUDA_VISIBLE_DEVICES"))
    opt.visible_gpus = derm::TruncateUtf8(gpus, derm::kMaxVisibleGpusBytes);
  app.add_option("--threads", opt.runner.threads, "compute threads (0 = all cores)")
      ->check(CLI::Range(0, 1024));
  bool bf16 = false, fp32 = false;
  app.add_flag("--bf16", bf16, "bf16 backbone (default on CUDA; on CPU it pays off with AVX512-BF16/AMX)");
  app.add_flag("--fp32", fp32, "fp32 backbone (default on CPU)");
  app.add_option("--decode-threads", opt.runner.decode_threads, "image decode threads (0 = all cores)")
      ->check(CLI::Range(0, 1024));
  app.add_option("--cache-dir", opt.runner.cache_dir,
                 "keep decoded datasets here; repeated runs skip decoding");
  app.add_option(
         "--cache-budget", opt.runner.cache_budget,
         "decoded images kept in RAM, e.g. 2G; a larger dataset is read from --cache-dir a batch at a "
         "time (default: no limit)")
      ->transform(CLI::AsSizeValue(false));
  std::vector<std::string> data_roots;
  app.add_option("--data-root", data_roots,
                 "folder specs may read images, weights and model files from (repeatable; default: any)");
  app.add_option("--backbone-batch", opt.runner.backbone_batch,
                 "images per backbone forward pass (0 = by device and image size)")
      ->check(CLI::Range(0, 4096));
  bool no_thumbnails = false;
  app.add_flag("--no-thumbnails", no_thumbnails,
               "store no image thumbnails with predictions, whatever specs say (train.thumbnails)");
  app.add_option("--max-tasks", opt.max_tasks, "exit after this many tasks (0 = never)")
      ->check(CLI::Range(0, 1 << 30));

  derm::data::DemoDataOptions demo;
  auto* gen =
      app.add_subcommand("demo-data", "write the synthetic demo dataset (Train/ and Test/ class folders)");
  gen->add_option("--out", demo.out_dir, "output folder")->required();
  gen->add_option("--train-per-class", demo.train_per_class, "training images per class")
      ->check(CLI::Range(1, 100000));
  gen->add_option("--test-per-class", demo.test_per_class, "test images per class")
      ->check(CLI::Range(0, 100000));
  gen->add_option("--size", demo.size, "image side (width) in pixels")->check(CLI::Range(32, 1024));
  gen->add_option("--height", demo.height, "image height, when not square (e.g. --size 600 --height 450)")
      ->check(CLI::Range(32, 1024));
  gen->add_option("--classes", demo.classes, "number of classes (the first N of the tutorial's 9)")
      ->check(CLI::Range(1, 9));
  gen->add_option("--seed", demo.seed, "random seed");
  bool metadata = false;
  derm::data::DemoMetadataOptions meta;
  gen->add_flag("--metadata", metadata,
                "write a HAM10000-style table instead (HAM10000_metadata.csv and images/: several views per "
                "lesion, patients, age, sex, site, skin type)");
  gen->add_option("--lesions-per-class", meta.lesions_per_class, "with --metadata: lesions per class")
      ->check(CLI::Range(1, 100000));
  gen->add_option("--max-views", meta.max_views, "with --metadata: views per lesion, at most")
      ->check(CLI::Range(1, 20));
  derm::worker::FeatureExportOptions fx;
  std::string classes;
  auto* feat = app.add_subcommand("features",
                                  "write the pooled ResNet50 features (and predictions) of a folder to CSV");
  feat->add_option("--images", fx.images, "folder of images (searched recursively)")->required();
  feat->add_option("--out", fx.out, "CSV file to write")->required();
  feat->add_option("--weights", fx.weights, ".safetensors backbone weights (default: random, --seed)");
  feat->add_option("--seed", fx.seed, "seed of the random weights (a run's data.seed)");
  feat->add_option("--height", fx.height, "image height")->check(CLI::Range(32, 1024));
  feat->add_option("--width", fx.width, "image width")->check(CLI::Range(32, 1024));
  feat->add_option("--head", fx.head, "head checkpoint (a run's artifacts.bytes) for predictions");
  feat->add_option("--classes", classes, "comma-separated class names of the head, in label order");
  feat->add_option("--batch", fx.batch, "images per forward pass")->check(CLI::Range(1, 4096));
  CLI11_PARSE(app, argc, argv);

  if (bf16 || fp32) opt.runner.bf16 = bf16;
  opt.runner.thumbnails = !no_thumbnails;
  if (feat->parsed()) {
    fx.device = opt.runner.device;
    fx.class_names = derm::Split(classes, ',');
    int64_t n = 0;
    derm::Status st;
    try {
      st = derm::worker::ExportFeatures(fx, &n);
    } catch (const std::exception& e) {
      st = derm::Internal(e.what());
    }
    if (!st.ok()) {
      std::cerr << "derm-worker features: " << st.message() << "\n";
      return 2;
    }
    std::cout << "wrote " << n << " rows to " << fx.out << "\n";
    return 0;
  }
  if (gen->parsed() && metadata) {
    meta.out_dir = demo.out_dir;
    meta.size = demo.size;
    meta.classes = demo.classes;
    meta.seed = demo.seed;
    if (auto st = derm::data::WriteDemoMetadata(meta); !st.ok()) {
      std::cerr << "derm-worker demo-data: " << st.message() << "\n";
      return 2;
    }
    std::cout << "wrote " << meta.out_dir << "/HAM10000_metadata.csv and " << meta.out_dir << "/images ("
              << meta.lesions_per_class << " lesions per class, 1-" << meta.max_views << " views each), "
              << meta.size << "x" << meta.size << " JPEG\n";
    return 0;
  }
  if (gen->parsed()) {
    if (auto st = derm::data::WriteDemoData(demo); !st.ok()) {
      std::cerr << "derm-worker demo-data: " << st.message() << "\n";
      return 2;
    }
    std::cout << "wrote " << demo.out_dir << "/Train (" << demo.train_per_class << " per class) and "
              << demo.out_dir << "/Test (" << demo.test_per_class << " per class), " << demo.size << "x"
              << (demo.height ? demo.height : demo.size) << " JPEG\n";
    return 0;
  }

  auto roots = derm::data::DataRoots::Create(data_roots);
  if (!roots.ok()) {
    std::cerr << "derm-worker: " << roots.status().message() << "\n";
    return 2;
  }
  opt.runner.roots = std::move(roots).value();
  if (!opt.runner.roots.restricted()) {
    std::cerr << "derm-worker: no --data-root given: specs may make this worker read any file it can\n";
  }
  if (opt.runner.cache_budget > 0 && opt.runner.cache_dir.empty()) {
    std::cerr << "derm-worker: --cache-budget needs --cache-dir (the decoded images live there)\n";
    return 2;
  }
  try {
    at::Device device(opt.runner.device);
    if (device.is_cuda() && !at::hasCUDA()) {
      std::cerr << "derm-worker: --device " << opt.runner.device
                << " asked for CUDA, which this build or machine lacks\n";
      return 2;
    }
  } catch (const std::exception&) {
    std::cerr << "derm-worker: --device " << opt.runner.device
              << " is not a device (use cpu, cuda or cuda:N)\n";
    return 2;
  }

  // SIGINT/SIGTERM/SIGUSR1 are handled by a thread that stops the loop; every other thread blocks
  // them. A task running then goes back to the queue at once, to resume from its last epoch:
  // Slurm sends SIGUSR1 before preemption or the time limit (--signal=B:USR1@90), SIGTERM on
  // scancel; Kubernetes sends SIGTERM.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto token = derm::LoadToken(token_file);
  if (!token.ok()) {
    std::cerr << "derm-worker: " << token.status().message() << "\n";
    return 2;
  }
  opt.token = *token;
  auto loop = derm::worker::WorkerLoop::Connect(opt);
  if (!loop.ok()) {
    std::cerr << "derm-worker: " << loop.status().message() << "\n";
    return 2;
  }
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::cerr << "derm-worker: " << strsignal(sig) << ": leaving (a running job goes back to the queue)"
              << std::endl;
    (*loop)->Stop();
  });
  stopper.detach();
  derm::Status st = (*loop)->Run();
  if (!st.ok()) {
    std::cerr << "derm-worker: " << st.message() << "\n";
    return 1;
  }
  return 0;
}
