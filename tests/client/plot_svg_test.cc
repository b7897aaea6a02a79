#include "client/plot_svg.h"

#include <gtest/gtest.h>

#include <regex>

namespace derm::client {
namespace {

derm::v1::RunReport MakeRun(int64_t id, const std::string& name, int epochs) {
  derm::v1::RunReport r;
  r.set_run_id(id);
  r.set_name(name);
  for (int e = 1; e <= epochs; ++e) {
    auto* m = r.add_epochs();
    m->set_epoch(e);
    m->set_accuracy(0.1 * e);
    m->set_loss(2.0 / e);
    m->mutable_validation()->set_accuracy(0.1 * e + 0.05);
    m->mutable_validation()->set_loss(2.2 / e);
    auto* cm = m->mutable_validation()->mutable_confusion();
    for (const char* c : {"melanoma", "nevus", "vascular <lesion>"}) cm->add_class_names(c);
    for (int k = 0; k < 9; ++k) cm->add_counts(k == 0 || k == 4 || k == 8 ? 5 : 1);
  }
  return r;
}

int Count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(PlotSvgTest, LearningCurvesHaveBothPanelsALineperSeriesAndALegend) {
  const std::string svg = LearningCurvesSvg({MakeRun(1, "baseline", 4), MakeRun(2, "lr=0.003", 3)});
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"", 0), 0u);
  EXPECT_TRUE(std::regex_search(svg, std::regex("width=\"[0-9.]+\" height=\"[0-9.]+\"")));
  EXPECT_EQ(Count(svg, "<polyline"), 8) << "2 runs x (train, validation) x (accuracy, loss)";
  EXPECT_EQ(Count(svg, "stroke-dasharray"), 4) << "training series are dashed";
  EXPECT_NE(svg.find(">accuracy</text>"), std::string::npos);
  EXPECT_NE(svg.find(">loss</text>"), std::string::npos);
  EXPECT_NE(svg.find(">run 1: baseline</text>"), std::string::npos);
  EXPECT_NE(svg.find(">run 2: lr=0.003</text>"), std::string::npos);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
}

TEST(PlotSvgTest, ConfusionHeatmapHasACellPerPairWithCountsNamesAndRowColour) {
  const std::string svg = ConfusionSvg({MakeRun(1, "a", 2), MakeRun(2, "b", 1)}, false);
  EXPECT_EQ(Count(svg, "<rect class=\"cell\""), 18);
  EXPECT_NE(svg.find(">run 1 validation, epoch 2</text>"), std::string::npos);
  EXPECT_NE(svg.find(">vascular &lt;lesion&gt;</text>"), std::string::npos) << "names are escaped";
  EXPECT_EQ(Count(svg, ">melanoma</text>"), 4) << "row and column labels of two runs";
  // 5 of a row of 7 (share 0.71): dark cell, white text; 1 of 7: light cell.
  EXPECT_NE(svg.find("fill=\"#5f82c9\""), std::string::npos);
  EXPECT_NE(svg.find("fill=\"white\">5</text>"), std::string::npos);
  const std::string none = ConfusionSvg({MakeRun(3, "c", 0)}, true);
  EXPECT_NE(none.find("run 3: no confusion matrix yet"), std::string::npos);
}

}  // namespace
}  // namespace derm::client
