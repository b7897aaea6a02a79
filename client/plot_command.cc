// dermctl plot RUN... -o FILE.png|FILE.svg [--confusion|--roc|--calibration] [--test]
#include <grpcpp/grpcpp.h>

#include <fstream>

#include "client/commands.h"
#include "client/plot_svg.h"
#include "client/svg_to_png.h"

namespace derm::client {

int Plot(Connection& conn, const PlotOptions& o, std::ostream& out, std::ostream& err) {
  const auto dot = o.file.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : o.file.substr(dot);
  if (ext != ".svg" && ext != ".png")
    return Fail(InvalidArgument("plot writes FILE.png or FILE.svg; got " + o.file), err);
  if (o.confusion + o.roc + o.calibration > 1)
    return Fail(InvalidArgument("plot draws one of --confusion, --roc and --calibration at a time"), err);
  std::vector<derm::v1::RunReport> runs;
  for (int64_t id : o.run_ids) {
    derm::v1::GetRunRequest req;
    req.set_run_id(id);
    if (Status st = conn.Call(&JobStub::GetRun, req, &runs.emplace_back()); !st.ok()) return Fail(st, err);
  }
  const std::string svg = o.confusion     ? ConfusionSvg(runs, o.test)
                          : o.roc         ? EvaluationSvg(runs, o.test, EvaluationPlot::kRoc)
                          : o.calibration ? EvaluationSvg(runs, o.test, EvaluationPlot::kCalibration)
                                          : LearningCurvesSvg(runs);
  if (ext == ".png") {
    if (Status st = WriteSvgAsPng(svg, o.file); !st.ok()) return Fail(st, err);
  } else {
    std::ofstream file(o.file);
    if (!(file << svg)) return Fail(InvalidArgument("cannot write " + o.file), err);
  }
  const char* what = o.confusion     ? "confusion matrices"
                     : o.roc         ? "ROC curves"
                     : o.calibration ? "reliability diagrams"
                                     : "learning curves";
  out << "wrote " << o.file << " (" << what << " of " << runs.size() << " run"
      << (runs.size() == 1 ? "" : "s") << ")\n";
  return kExitOk;
}

}  // namespace derm::client
