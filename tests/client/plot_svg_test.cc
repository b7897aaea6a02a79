#include "client/plot_svg.h"

#include <gtest/gtest.h>

#include <cmath>
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

// A run whose last epoch has an evaluation of its three classes (one with an undefined AUC).
derm::v1::RunReport EvaluatedRun() {
  derm::v1::RunReport r = MakeRun(4, "evaluated", 2);
  auto* e = r.mutable_epochs(1)->mutable_validation()->mutable_evaluation();
  for (const char* c : {"melanoma", "nevus", "vascular <lesion>"}) {
    auto* k = e->add_per_class();
    k->set_class_name(c);
    k->set_roc_auc(std::string(c) == "nevus" ? NAN : 0.875);
    for (double x : {0.0, 0.25, 1.0}) {
      k->mutable_roc()->add_x(x);
      k->mutable_roc()->add_y(std::sqrt(x));
    }
  }
  e->set_macro_roc_auc(0.875);
  e->set_ece(0.0625);
  for (int b = 0; b < 15; ++b) {
    auto* bin = e->add_reliability();
    bin->set_count(b >= 10 ? 4 : 0);
    bin->set_confidence((b + 0.5) / 15);
    bin->set_accuracy(0.5);
  }
  return r;
}

TEST(PlotSvgTest, RocCurvesHaveALinePerClassWithItsAucAndADiagonal) {
  const std::string svg = EvaluationSvg({EvaluatedRun(), MakeRun(5, "old", 1)}, false, EvaluationPlot::kRoc);
  EXPECT_EQ(Count(svg, "<polyline"), 3) << "one per class of the evaluated run";
  EXPECT_EQ(Count(svg, "stroke-dasharray=\"4,4\""), 1) << "the chance diagonal";
  EXPECT_NE(svg.find(">melanoma  AUC 0.875</text>"), std::string::npos);
  EXPECT_NE(svg.find(">nevus  AUC -</text>"), std::string::npos) << "an undefined AUC";
  EXPECT_NE(svg.find(">vascular &lt;lesion&gt;  AUC 0.875</text>"), std::string::npos) << "escaped";
  EXPECT_NE(svg.find(">run 4 validation, epoch 2</text>"), std::string::npos);
  EXPECT_NE(svg.find("run 5 validation, epoch 1: no evaluation recorded"), std::string::npos);
}

TEST(PlotSvgTest, ReliabilityDiagramsHaveAPointPerNonEmptyBinAndTheirFigures) {
  const std::string svg = EvaluationSvg({EvaluatedRun()}, false, EvaluationPlot::kCalibration);
  EXPECT_EQ(Count(svg, "<circle"), 5) << "bins 10-14 have images";
  EXPECT_NE(svg.find(">ECE 0.0625"), std::string::npos);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
}

}  // namespace
}  // namespace derm::client
