#include "scheduler/web/request_fields.h"

#include <gtest/gtest.h>

#include "derm/v1/jobs.pb.h"

namespace derm::scheduler::web {
namespace {

TEST(RequestFieldsTest, SetsScalarsEnumsAndRepeatedFieldsFromText) {
  derm::v1::ListJobsRequest jobs;
  ASSERT_TRUE(FillRequest("", {{"states", "queued,2"}, {"limit", "7"}}, {}, &jobs).ok());
  EXPECT_EQ(jobs.limit(), 7);
  ASSERT_EQ(jobs.states_size(), 2);
  EXPECT_EQ(jobs.states(0), derm::v1::QUEUED);
  EXPECT_EQ(jobs.states(1), derm::v1::RUNNING);

  derm::v1::ListPredictionsRequest p;
  ASSERT_TRUE(FillRequest("", {{"true_class", "0"}, {"split", "test"}}, {{"run_id", "12"}}, &p).ok());
  EXPECT_EQ(p.run_id(), 12);
  EXPECT_TRUE(p.has_true_class()) << "an optional field given as 0 is set";
  EXPECT_FALSE(p.has_predicted_class());
  EXPECT_EQ(p.split(), "test");
}

TEST(RequestFieldsTest, TheBodyIsJsonAndThePathWinsOverIt) {
  derm::v1::CancelJobRequest c;
  ASSERT_TRUE(FillRequest(R"({"id": "5", "reason": "wrong data"})", {}, {{"id", "9"}}, &c).ok());
  EXPECT_EQ(c.id(), 9);
  EXPECT_EQ(c.reason(), "wrong data");
  const Status bad = FillRequest(R"({"reason": "x", "colour": 1})", {}, {}, &c);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("colour"), std::string::npos) << bad.message();
  EXPECT_EQ(FillRequest("{", {}, {}, &c).code(), StatusCode::kInvalidArgument);
}

TEST(RequestFieldsTest, RefusesUnknownNamesValuesThatDoNotParseAndMessageFields) {
  derm::v1::ListJobsRequest jobs;
  const auto message = [&](const std::vector<std::pair<std::string, std::string>>& query) {
    derm::v1::SubmitJobRequest submit;
    Status st = FillRequest("", query, {}, &submit);
    return st.code() == StatusCode::kInvalidArgument ? st.message() : "not refused";
  };
  EXPECT_EQ(FillRequest("", {{"colour", "red"}}, {}, &jobs).message(), "unknown parameter 'colour'");
  EXPECT_NE(FillRequest("", {{"limit", "7x"}}, {}, &jobs).message().find("limit"), std::string::npos);
  EXPECT_NE(FillRequest("", {{"limit", "99999999999"}}, {}, &jobs).message().find("limit"),
            std::string::npos);
  EXPECT_NE(FillRequest("", {{"states", "SLEEPING"}}, {}, &jobs).message().find("states"), std::string::npos);
  EXPECT_NE(message({{"spec", "x"}}).find("JSON body"), std::string::npos);
  derm::v1::RunReport report;  // a map field
  EXPECT_NE(FillRequest("", {{"params", "a"}}, {}, &report).message().find("JSON body"), std::string::npos);
}

}  // namespace
}  // namespace derm::scheduler::web
