#include "store/schema.h"

#include <string>

namespace derm::store {
namespace {

// Migration N takes the schema from version N to N+1. Never edit a released entry; append.
constexpr const char* kMigrations[] = {
    // 0 -> 1: the initial schema.
    R"sql(
CREATE TABLE sweeps (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  spec       BLOB NOT NULL,   -- serialized derm.v1.JobSpec with its sweep section
  points     INTEGER NOT NULL,
  created_ms INTEGER NOT NULL
);

CREATE TABLE jobs (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL,
  kind            TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('QUEUED','RUNNING','SUCCEEDED','FAILED','CANCELLED')),
  priority        INTEGER NOT NULL,
  not_before_ms   INTEGER NOT NULL DEFAULT 0,   -- retry backoff: not leased before this time
  sweep_id        INTEGER REFERENCES sweeps(id), -- the sweep this job is a point of
  max_retries     INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  spec            BLOB NOT NULL,          -- serialized derm.v1.JobSpec, defaults filled in
  idempotency_key TEXT UNIQUE,
  message         TEXT NOT NULL DEFAULT '',
  created_ms      INTEGER NOT NULL,
  updated_ms      INTEGER NOT NULL
);
CREATE INDEX jobs_by_state ON jobs(state, priority DESC, id);

CREATE TABLE workers (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL,
  device        TEXT NOT NULL,
  gpus          INTEGER NOT NULL,
  memory_mb     INTEGER NOT NULL,
  labels        TEXT NOT NULL DEFAULT '',     -- comma-separated
  state         TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (state IN ('ACTIVE','DRAINING','GONE')),
  registered_ms INTEGER NOT NULL,
  last_seen_ms  INTEGER NOT NULL
);

CREATE TABLE attempts (
  id         INTEGER PRIMARY KEY,
  job_id     INTEGER NOT NULL REFERENCES jobs(id),
  worker_id  INTEGER NOT NULL REFERENCES workers(id),
  state      TEXT NOT NULL CHECK (state IN ('RUNNING','SUCCEEDED','FAILED','CANCELLED','WORKER_LOST')),
  cause      TEXT NOT NULL DEFAULT '',
  started_ms INTEGER NOT NULL,
  ended_ms   INTEGER
);
CREATE INDEX attempts_by_job ON attempts(job_id);

CREATE TABLE datasets (
  fingerprint       TEXT PRIMARY KEY,  -- SHA-256 over files, labels, split membership, contents
  class_names       TEXT NOT NULL,     -- JSON array in label order
  train_images      INTEGER NOT NULL,
  validation_images INTEGER NOT NULL,
  test_images       INTEGER NOT NULL,
  first_seen_ms     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE runs (
  id                  INTEGER PRIMARY KEY,
  job_id              INTEGER NOT NULL REFERENCES jobs(id),
  name                TEXT NOT NULL,
  class_names         TEXT NOT NULL DEFAULT '',   -- JSON array, in label order
  train_images        INTEGER,
  validation_images   INTEGER,
  test_images         INTEGER,
  dataset_fingerprint TEXT,
  weights             TEXT,
  weights_sha256      TEXT,
  device              TEXT,
  started_ms          INTEGER,
  ended_ms            INTEGER,
  test_loss           REAL,
  test_accuracy       REAL,
  test_balanced_accuracy REAL
);
CREATE INDEX runs_by_job ON runs(job_id);

CREATE TABLE params (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  name   TEXT NOT NULL,
  value  TEXT NOT NULL,
  PRIMARY KEY (run_id, name)
) WITHOUT ROWID;

CREATE TABLE epoch_metrics (
  run_id                INTEGER NOT NULL REFERENCES runs(id),
  epoch                 INTEGER NOT NULL,
  attempt_id            INTEGER NOT NULL REFERENCES attempts(id),
  loss                  REAL NOT NULL,
  accuracy              REAL NOT NULL,
  val_loss              REAL NOT NULL,
  val_accuracy          REAL NOT NULL,
  val_balanced_accuracy REAL NOT NULL,
  seconds               REAL NOT NULL,
  images_per_second     REAL NOT NULL,
  PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;

CREATE TABLE class_metrics (
  run_id      INTEGER NOT NULL REFERENCES runs(id),
  epoch       INTEGER NOT NULL,
  split       TEXT NOT NULL CHECK (split IN ('validation','test')),
  class_index INTEGER NOT NULL,
  class_name  TEXT NOT NULL,
  precision   REAL NOT NULL,
  recall      REAL NOT NULL,
  f1          REAL NOT NULL,
  support     INTEGER NOT NULL,
  PRIMARY KEY (run_id, epoch, split, class_index)
) WITHOUT ROWID;

CREATE TABLE confusion_cells (
  run_id     INTEGER NOT NULL REFERENCES runs(id),
  epoch      INTEGER NOT NULL,
  split      TEXT NOT NULL CHECK (split IN ('validation','test')),
  true_class INTEGER NOT NULL,
  pred_class INTEGER NOT NULL,
  count      INTEGER NOT NULL,
  PRIMARY KEY (run_id, epoch, split, true_class, pred_class)
) WITHOUT ROWID;

CREATE TABLE predictions (
  run_id          INTEGER NOT NULL REFERENCES runs(id),
  split           TEXT NOT NULL,
  path            TEXT NOT NULL,
  true_class      INTEGER NOT NULL,
  predicted_class INTEGER NOT NULL,
  probability     REAL NOT NULL,
  PRIMARY KEY (run_id, split, path)
) WITHOUT ROWID;

CREATE TABLE skipped_files (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  path   TEXT NOT NULL,
  reason TEXT NOT NULL
);

CREATE TABLE artifacts (
  run_id     INTEGER NOT NULL REFERENCES runs(id),
  kind       TEXT NOT NULL,                -- 'checkpoint'
  epoch      INTEGER NOT NULL,
  attempt_id INTEGER NOT NULL REFERENCES attempts(id),
  bytes      BLOB NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (run_id, kind, epoch)
);

CREATE TABLE events (
  id         INTEGER PRIMARY KEY,
  job_id     INTEGER NOT NULL REFERENCES jobs(id),
  time_ms    INTEGER NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('state','epoch')),
  from_state TEXT,
  to_state   TEXT NOT NULL,
  epoch      INTEGER,               -- kind 'epoch': the epoch whose metrics were stored
  cause      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_by_job ON events(job_id, id);

-- One row per run: key hyperparameters, last and best validation metrics, duration, status.
CREATE VIEW run_summary AS
SELECT r.id AS run_id,
       r.job_id,
       r.name,
       j.state,
       j.sweep_id,
       (SELECT value FROM params p WHERE p.run_id = r.id AND p.name = 'train.learning_rate') AS learning_rate,
       (SELECT value FROM params p WHERE p.run_id = r.id AND p.name = 'train.batch_size') AS batch_size,
       (SELECT value FROM params p WHERE p.run_id = r.id AND p.name = 'train.epochs') AS epochs,
       (SELECT value FROM params p WHERE p.run_id = r.id AND p.name = 'model.dropout') AS dropout,
       (SELECT count(*) FROM epoch_metrics e WHERE e.run_id = r.id) AS epochs_done,
       (SELECT val_accuracy FROM epoch_metrics e WHERE e.run_id = r.id ORDER BY epoch DESC LIMIT 1) AS final_val_accuracy,
       (SELECT val_loss FROM epoch_metrics e WHERE e.run_id = r.id ORDER BY epoch DESC LIMIT 1) AS final_val_loss,
       (SELECT max(val_accuracy) FROM epoch_metrics e WHERE e.run_id = r.id) AS best_val_accuracy,
       (SELECT epoch FROM epoch_metrics e WHERE e.run_id = r.id ORDER BY val_accuracy DESC, epoch LIMIT 1) AS best_epoch,
       r.test_accuracy,
       r.dataset_fingerprint,
       r.weights,
       (r.ended_ms - r.started_ms) / 1000.0 AS duration_s
FROM runs r JOIN jobs j ON j.id = r.job_id;

-- Per-class validation metrics of each run's last epoch, and test metrics where there are some.
CREATE VIEW run_class_metrics AS
SELECT c.run_id, c.split, c.epoch, c.class_index, c.class_name, c.precision, c.recall, c.f1, c.support
FROM class_metrics c
WHERE c.epoch = (SELECT max(epoch) FROM class_metrics m WHERE m.run_id = c.run_id AND m.split = c.split);

-- Confusion matrices with class names, one row per cell.
CREATE VIEW confusion_matrix AS
SELECT c.run_id, c.epoch, c.split, c.true_class, t.class_name AS true_name,
       c.pred_class, p.class_name AS pred_name, c.count
FROM confusion_cells c
LEFT JOIN class_metrics t ON t.run_id = c.run_id AND t.epoch = c.epoch AND t.split = c.split
                         AND t.class_index = c.true_class
LEFT JOIN class_metrics p ON p.run_id = c.run_id AND p.epoch = c.epoch AND p.split = c.split
                         AND p.class_index = c.pred_class;
)sql",
    // 1 -> 2: bulk inference. Predictions and skipped files belong to a job (a training job's run
    // or an inference job); inference jobs are split into shards, each leased by an attempt.
    R"sql(
CREATE TABLE predictions_v2 (
  job_id          INTEGER NOT NULL REFERENCES jobs(id),
  run_id          INTEGER REFERENCES runs(id),  -- the run whose model predicted; NULL: a model file
  split           TEXT NOT NULL CHECK (split IN ('validation','test','infer')),
  path            TEXT NOT NULL,
  sha256          TEXT,             -- infer: of the file's bytes
  true_class      INTEGER,          -- NULL for infer
  predicted_class INTEGER NOT NULL,
  predicted_name  TEXT,             -- infer: the class name
  probability     REAL NOT NULL,    -- of the predicted class
  top_k           TEXT,             -- infer: JSON [[class name, probability], ...], best first
  probabilities   TEXT,             -- infer, when asked: JSON array in class order
  features        BLOB,             -- infer, when asked: 2048 little-endian float32
  shard           INTEGER,          -- infer: the shard it came from
  PRIMARY KEY (job_id, split, path)
) WITHOUT ROWID;
INSERT INTO predictions_v2(job_id, run_id, split, path, true_class, predicted_class, probability)
  SELECT r.job_id, p.run_id, p.split, p.path, p.true_class, p.predicted_class, p.probability
  FROM predictions p JOIN runs r ON r.id = p.run_id;
DROP TABLE predictions;
ALTER TABLE predictions_v2 RENAME TO predictions;
CREATE INDEX predictions_by_run ON predictions(run_id, split);

CREATE TABLE skipped_files_v2 (
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  run_id INTEGER REFERENCES runs(id),  -- NULL for inference jobs
  path   TEXT NOT NULL,
  reason TEXT NOT NULL
);
INSERT INTO skipped_files_v2(job_id, run_id, path, reason)
  SELECT r.job_id, s.run_id, s.path, s.reason FROM skipped_files s JOIN runs r ON r.id = s.run_id;
DROP TABLE skipped_files;
ALTER TABLE skipped_files_v2 RENAME TO skipped_files;
CREATE INDEX skipped_files_by_job ON skipped_files(job_id);

CREATE TABLE shards (
  job_id       INTEGER NOT NULL REFERENCES jobs(id),
  shard        INTEGER NOT NULL,
  inputs       TEXT NOT NULL,    -- the shard's image paths, one per line
  images       INTEGER NOT NULL,
  state        TEXT NOT NULL DEFAULT 'QUEUED' CHECK (state IN ('QUEUED','RUNNING','SUCCEEDED')),
  attempt_id   INTEGER REFERENCES attempts(id),  -- the attempt holding or having finished it
  attempts     INTEGER NOT NULL DEFAULT 0,
  predictions  INTEGER NOT NULL DEFAULT 0,
  errors       INTEGER NOT NULL DEFAULT 0,
  model_sha256 TEXT,
  class_names  TEXT,             -- JSON array, in label order
  PRIMARY KEY (job_id, shard)
) WITHOUT ROWID;

ALTER TABLE attempts ADD COLUMN shard INTEGER;  -- infer: the shard the attempt leased
)sql",
    // 2 -> 3: workers may be LOST. SQLite cannot alter a CHECK constraint; widening one changes no
    // stored row, so the table's definition is edited in place (SQLite's documented procedure;
    // Migrate bumps schema_version so that every connection reloads it).
    R"sql(
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, 'CHECK (state IN (''ACTIVE'',''DRAINING'',''GONE''))',
                       'CHECK (state IN (''ACTIVE'',''DRAINING'',''GONE'',''LOST''))')
WHERE type = 'table' AND name = 'workers';
PRAGMA writable_schema = OFF;
)sql",
    // 3 -> 4: access control. Jobs and workers record who submitted or registered them; tokens
    // (only their SHA-256 is stored) and the audit trail of refused calls and token changes.
    // run_summary gains submitted_by.
    R"sql(
ALTER TABLE jobs ADD COLUMN submitted_by TEXT NOT NULL DEFAULT '';
ALTER TABLE workers ADD COLUMN registered_by TEXT NOT NULL DEFAULT '';

CREATE TABLE tokens (
  id         INTEGER PRIMARY KEY,
  user       TEXT NOT NULL,
  role       TEXT NOT NULL CHECK (role IN ('VIEWER','EDITOR','ADMIN','WORKER')),
  sha256     TEXT NOT NULL UNIQUE,  -- of the secret; the secret itself is never stored
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER,               -- NULL: never
  revoked_ms INTEGER,               -- NULL: not revoked
  created_by TEXT NOT NULL
);

CREATE TABLE audit_events (
  id        INTEGER PRIMARY KEY,
  time_ms   INTEGER NOT NULL,
  principal TEXT NOT NULL,          -- '' when the caller was not authenticated
  action    TEXT NOT NULL,          -- the RPC, or token.create / token.revoke / token.bootstrap
  outcome   TEXT NOT NULL CHECK (outcome IN ('OK','UNAUTHENTICATED','PERMISSION_DENIED')),
  detail    TEXT NOT NULL DEFAULT '',
  peer      TEXT NOT NULL DEFAULT ''
);

DROP VIEW run_summary;
CREATE VIEW run_summary AS
SELECT r.id AS run_id,
       r.job_id,
       r.name,
       j.state,
       j.sweep_id,
       (SELECT value FROM params p WHERE p.run_id = r.id AND p.name = 'train.learning_rate') AS learning_rate,
       (SELECT value FROM params p WHERE p.run_id = r.id AND p.name = 'train.batch_size') AS batch_size,
       (SELECT value FROM params p WHERE p.run_id = r.id AND p.name = 'train.epochs') AS epochs,
       (SELECT value FROM params p WHERE p.run_id = r.id AND p.name = 'model.dropout') AS dropout,
       (SELECT count(*) FROM epoch_metrics e WHERE e.run_id = r.id) AS epochs_done,
       (SELECT val_accuracy FROM epoch_metrics e WHERE e.run_id = r.id ORDER BY epoch DESC LIMIT 1) AS final_val_accuracy,
       (SELECT val_loss FROM epoch_metrics e WHERE e.run_id = r.id ORDER BY epoch DESC LIMIT 1) AS final_val_loss,
       (SELECT max(val_accuracy) FROM epoch_metrics e WHERE e.run_id = r.id) AS best_val_accuracy,
       (SELECT epoch FROM epoch_metrics e WHERE e.run_id = r.id ORDER BY val_accuracy DESC, epoch LIMIT 1) AS best_epoch,
       r.test_accuracy,
       r.dataset_fingerprint,
       r.weights,
       (r.ended_ms - r.started_ms) / 1000.0 AS duration_s,
       j.submitted_by
FROM runs r JOIN jobs j ON j.id = r.job_id;
)sql",
    // 4 -> 5: clusters. Workers record the batch job that runs them ("slurm:4711") and the GPUs
    // they were given; attempts may end PREEMPTED (the worker was told to leave and gave the job
    // back); tokens may have the launcher role (derm-launcher).
    R"sql(
ALTER TABLE workers ADD COLUMN cluster_job TEXT NOT NULL DEFAULT '';
ALTER TABLE workers ADD COLUMN visible_gpus TEXT NOT NULL DEFAULT '';
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, '''WORKER_LOST'')', '''WORKER_LOST'',''PREEMPTED'')')
WHERE type = 'table' AND name = 'attempts';
UPDATE sqlite_schema
SET sql = replace(sql, '''ADMIN'',''WORKER'')', '''ADMIN'',''WORKER'',''LAUNCHER'')')
WHERE type = 'table' AND name = 'tokens';
PRAGMA writable_schema = OFF;
)sql",
    // 5 -> 6: the dashboard. Validation and test predictions may carry a small JPEG of their image
    // (at most 64 px on the longer side), shown when a confusion-matrix cell is clicked.
    R"sql(
ALTER TABLE predictions ADD COLUMN thumbnail BLOB;
)sql",
    // 6 -> 7: clinical evaluation (docs/evaluation.md), per epoch for validation and at the end for
    // test. NULL where a figure is undefined (a class without images, or with only its images).
    R"sql(
CREATE TABLE split_evaluation (
  run_id           INTEGER NOT NULL REFERENCES runs(id),
  epoch            INTEGER NOT NULL,
  split            TEXT NOT NULL,
  macro_roc_auc    REAL,
  weighted_roc_auc REAL,
  ece              REAL,
  nll              REAL,
  brier            REAL,
  PRIMARY KEY (run_id, epoch, split)
) WITHOUT ROWID;
CREATE TABLE class_evaluation (
  run_id            INTEGER NOT NULL REFERENCES runs(id),
  epoch             INTEGER NOT NULL,
  split             TEXT NOT NULL,
  class_index       INTEGER NOT NULL,
  class_name        TEXT NOT NULL,
  positives         INTEGER NOT NULL,
  roc_auc           REAL,
  average_precision REAL,
  PRIMARY KEY (run_id, epoch, split, class_index)
) WITHOUT ROWID;
CREATE TABLE operating_points (
  run_id      INTEGER NOT NULL REFERENCES runs(id),
  epoch       INTEGER NOT NULL,
  split       TEXT NOT NULL,
  class_index INTEGER NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('at_specificity','at_sensitivity')),
  target      REAL NOT NULL,
  threshold   REAL,
  sensitivity REAL,
  specificity REAL,
  PRIMARY KEY (run_id, epoch, split, class_index, kind, target)
) WITHOUT ROWID;
CREATE TABLE curve_points (
  run_id      INTEGER NOT NULL REFERENCES runs(id),
  epoch       INTEGER NOT NULL,
  split       TEXT NOT NULL,
  class_index INTEGER NOT NULL,
  curve       TEXT NOT NULL CHECK (curve IN ('roc','precision_recall')),
  point       INTEGER NOT NULL,
  x           REAL,
  y           REAL,
  PRIMARY KEY (run_id, epoch, split, class_index, curve, point)
) WITHOUT ROWID;
CREATE TABLE reliability_bins (
  run_id     INTEGER NOT NULL REFERENCES runs(id),
  epoch      INTEGER NOT NULL,
  split      TEXT NOT NULL,
  bin        INTEGER NOT NULL,
  lower      REAL NOT NULL,
  upper      REAL NOT NULL,
  count      INTEGER NOT NULL,
  confidence REAL NOT NULL,
  accuracy   REAL NOT NULL,
  PRIMARY KEY (run_id, epoch, split, bin)
) WITHOUT ROWID;
CREATE TABLE intervals (
  run_id      INTEGER NOT NULL REFERENCES runs(id),
  split       TEXT NOT NULL,
  metric      TEXT NOT NULL CHECK (metric IN ('accuracy','balanced_accuracy','roc_auc')),
  class_index INTEGER NOT NULL,  -- roc_auc: the class; -1 otherwise
  estimate    REAL,
  lower       REAL,
  upper       REAL,
  level       REAL NOT NULL,
  resamples   INTEGER NOT NULL,
  seed        INTEGER NOT NULL,
  PRIMARY KEY (run_id, split, metric, class_index)
) WITHOUT ROWID;
)sql",
    // 7 -> 8: the verdicts of a spec's gates on the finished run's test split.
    R"sql(
CREATE TABLE gate_results (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  gate   INTEGER NOT NULL,  -- its index in the spec's gates
  name   TEXT NOT NULL,     -- the gate in words
  value  REAL,              -- NULL when the run has no such figure
  passed INTEGER NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, gate)
) WITHOUT ROWID;
)sql",
    // 8 -> 9: early stopping (a run stopped before train.epochs, the epoch its model is of),
    // attempts that ran out of memory, and the model registry.
    R"sql(
ALTER TABLE runs ADD COLUMN stopped_epoch INTEGER;  -- the scheduler stopped it after this epoch
ALTER TABLE runs ADD COLUMN stop_reason TEXT;
ALTER TABLE runs ADD COLUMN model_epoch INTEGER;    -- the epoch its model and test split are of
ALTER TABLE runs ADD COLUMN backbone_batch INTEGER; -- images per backbone pass of its last attempt
ALTER TABLE attempts ADD COLUMN backbone_batch INTEGER;  -- images per backbone pass it was given
ALTER TABLE attempts ADD COLUMN out_of_memory INTEGER NOT NULL DEFAULT 0;  -- it ran out of memory

CREATE TABLE model_versions (
  name          TEXT NOT NULL,
  version       INTEGER NOT NULL,  -- 1, 2, ... per name
  run_id        INTEGER NOT NULL REFERENCES runs(id),
  stage         TEXT NOT NULL DEFAULT 'none'
                CHECK (stage IN ('none','staging','production','archived')),
  registered_by TEXT NOT NULL,
  registered_ms INTEGER NOT NULL,
  PRIMARY KEY (name, version)
) WITHOUT ROWID;

CREATE TABLE model_stage_changes (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  version    INTEGER NOT NULL,
  from_stage TEXT NOT NULL,
  to_stage   TEXT NOT NULL,
  forced     INTEGER NOT NULL DEFAULT 0,  -- promoted although its gates had not all passed
  changed_by TEXT NOT NULL,
  changed_ms INTEGER NOT NULL,
  reason     TEXT NOT NULL DEFAULT '',
  FOREIGN KEY (name, version) REFERENCES model_versions(name, version)
);
CREATE INDEX model_stage_changes_by_model ON model_stage_changes(name, version);
)sql",
    // 9 -> 10: labels tables and leakage. A run records the groups (lesions or patients) of each
    // split, the column that grouped them, its data's warnings and the images in two splits.
    R"sql(
ALTER TABLE runs ADD COLUMN train_groups INTEGER;
ALTER TABLE runs ADD COLUMN validation_groups INTEGER;
ALTER TABLE runs ADD COLUMN test_groups INTEGER;
ALTER TABLE runs ADD COLUMN group_column TEXT;     -- '' when split per image; NULL for class folders
ALTER TABLE runs ADD COLUMN data_warnings TEXT;    -- JSON array
ALTER TABLE runs ADD COLUMN exact_duplicate_pairs INTEGER;  -- images in two splits: the same bytes
ALTER TABLE runs ADD COLUMN near_duplicate_pairs INTEGER;   -- and near-duplicates
ALTER TABLE runs ADD COLUMN attribute_names TEXT;  -- JSON array: a labels table's attribute columns
ALTER TABLE predictions ADD COLUMN attributes TEXT;  -- JSON object: the image's attribute values

CREATE TABLE leaked_pairs (
  run_id   INTEGER NOT NULL REFERENCES runs(id),
  kind     TEXT NOT NULL CHECK (kind IN ('exact','near')),
  split_a  TEXT NOT NULL,
  path_a   TEXT NOT NULL,
  split_b  TEXT NOT NULL,
  path_b   TEXT NOT NULL,
  distance REAL NOT NULL  -- near: 1 - the pictures' correlation; exact: 0
);
CREATE INDEX leaked_pairs_by_run ON leaked_pairs(run_id);

-- One row per cross-validation group (a spec, or a sweep point, run once per fold): its folds and
-- the mean and sample standard deviation across folds of each fold's validation figures at its
-- model epoch (docs/data.md).
CREATE VIEW cv_summary AS
WITH folds AS (
  SELECT j.sweep_id, g.value AS cv_group, r.id AS run_id, CAST(f.value AS INTEGER) AS fold, j.state,
         coalesce(r.model_epoch, (SELECT max(epoch) FROM epoch_metrics e WHERE e.run_id = r.id)) AS epoch
  FROM runs r JOIN jobs j ON j.id = r.job_id
  JOIN params g ON g.run_id = r.id AND g.name = 'data.cross_validation.group'
  JOIN params f ON f.run_id = r.id AND f.name = 'data.cross_validation.fold'
), figures AS (
  SELECT folds.*, e.val_accuracy AS acc, e.val_balanced_accuracy AS bal, e.val_loss AS loss,
         s.macro_roc_auc AS auc
  FROM folds LEFT JOIN epoch_metrics e ON e.run_id = folds.run_id AND e.epoch = folds.epoch
  LEFT JOIN split_evaluation s ON s.run_id = folds.run_id AND s.epoch = folds.epoch AND s.split = 'validation'
)
SELECT sweep_id, cv_group, count(*) AS folds, sum(state = 'SUCCEEDED') AS folds_succeeded,
       group_concat(run_id) AS run_ids,
       avg(acc) AS mean_val_accuracy,
       sqrt(max(avg(acc * acc) - avg(acc) * avg(acc), 0) * count(acc) / max(count(acc) - 1, 1)) AS sd_val_accuracy,
       avg(bal) AS mean_val_balanced_accuracy,
       sqrt(max(avg(bal * bal) - avg(bal) * avg(bal), 0) * count(bal) / max(count(bal) - 1, 1))
         AS sd_val_balanced_accuracy,
       avg(loss) AS mean_val_loss,
       sqrt(max(avg(loss * loss) - avg(loss) * avg(loss), 0) * count(loss) / max(count(loss) - 1, 1)) AS sd_val_loss,
       avg(auc) AS mean_val_macro_roc_auc,
       sqrt(max(avg(auc * auc) - avg(auc) * avg(auc), 0) * count(auc) / max(count(auc) - 1, 1))
         AS sd_val_macro_roc_auc
FROM figures GROUP BY sweep_id, cv_group;
)sql",
};

}  // namespace

Status Migrate(Database* db, int target) {
  int version = 0;
  {  // finalised before the migrations run: DROP TABLE fails beside an open statement
    auto stmt = db->Prepare("PRAGMA user_version");
    if (!stmt.ok()) return stmt.status();
    DERM_ASSIGN_OR_RETURN(bool row, stmt->Step());
    version = row ? static_cast<int>(stmt->Int(0)) : 0;
  }
  if (version > kSchemaVersion) {
    return FailedPrecondition("database schema version " + std::to_string(version) +
                              " is newer than this scheduler's " + std::to_string(kSchemaVersion));
  }
  for (; version < target && version < kSchemaVersion; ++version) {
    Transaction txn(db);
    DERM_RETURN_IF_ERROR(txn.status());
    DERM_RETURN_IF_ERROR(db->Exec(kMigrations[version]));
    DERM_RETURN_IF_ERROR(db->Exec("PRAGMA user_version=" + std::to_string(version + 1)));
    {  // one more schema change: connections reload the schema, edited definitions included
      DERM_ASSIGN_OR_RETURN(auto s, db->Prepare("PRAGMA schema_version"));
      DERM_ASSIGN_OR_RETURN(bool row, s.Step());
      const int64_t schema = row ? s.Int(0) : 0;
      DERM_RETURN_IF_ERROR(db->Exec("PRAGMA schema_version=" + std::to_string(schema + 1)));
    }
    DERM_RETURN_IF_ERROR(txn.Commit());
  }
  return Status::Ok();
}

}  // namespace derm::store
