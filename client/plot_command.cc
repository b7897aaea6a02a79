// dermctl plot RUN... -o FILE.png|FILE.svg [--confusion] [--test]
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
  std::vector<derm::v1::RunReport> runs;
  for (int64_t id : o.run_ids) {
    derm::v1::GetRunRequest req;
    req.set_run_id(id);
    if (Status st = conn.Call(&JobStub::GetRun, req, &runs.emplace_back()); !st.ok()) return Fail(st, err);
  }
  const std::string svg = o.confusion ? ConfusionSvg(runs, o.test) : LearningCurvesSvg(runs);
  if (ext == ".png") {
    if (Status st = WriteSvgAsPng(svg, o.file); !st.ok()) return Fail(st, err);
  } else {
    std::ofstream file(o.file);
    if (!(file << svg)) return Fail(InvalidArgument("cannot write " + o.file), err);
  }
  out << "wrote " << o.file << " (" << (o.confusion ? "confusion matrices" : "learning curves") << " of "
      << runs.size() << " run" << (runs.size() == 1 ? "" : "s") << ")\n";
  return kExitOk;
}

}  // namespace derm::client
