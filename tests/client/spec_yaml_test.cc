#include "client/spec_yaml.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace derm::client {
namespace {

std::string Joined(const ParsedSpec& p) {
  std::string s;
  for (const auto& x : p.problems) s += x + "\n";
  return s;
}

TEST(SpecYamlTest, MapsKeysOntoTheProto) {
  auto p = ParseSpecYaml(R"(
kind: train
name: baseline
data:
  train_dir: /data/Train
  image_size: [128, 96]
  seed: 7
model: {dropout: 0.5, standardize_features: false}
train: {batch_size: 16, learning_rate: 3e-4}
tags: {team: derm, study: "2026"}
)");
  ASSERT_TRUE(p.problems.empty()) << Joined(p);
  EXPECT_EQ(p.spec.name(), "baseline");
  EXPECT_EQ(p.spec.data().image_size(1), 96);
  EXPECT_EQ(p.spec.data().seed(), 7);
  EXPECT_DOUBLE_EQ(p.spec.model().dropout(), 0.5);
  EXPECT_TRUE(p.spec.model().has_standardize_features());
  EXPECT_FALSE(p.spec.model().standardize_features());
  EXPECT_DOUBLE_EQ(p.spec.train().learning_rate(), 3e-4);
  EXPECT_EQ(p.spec.tags().at("study"), "2026");
  EXPECT_EQ(p.lines.at("train.batch_size"), 9);
}

TEST(SpecYamlTest, GatesAreAListOfMappingsCheckedKeyByKey) {
  auto p = ParseSpecYaml(R"(
data: {train_dir: /d/Train, test_dir: /d/Test}
gates:
  - {class: melanoma, metric: sensitivity, at_specificity: 0.9, min: 0.85}
  - {metric: ece, max: 0.05}
)");
  ASSERT_TRUE(p.problems.empty()) << Joined(p);
  ASSERT_EQ(p.spec.gates_size(), 2);
  EXPECT_EQ(p.spec.gates(0).class_(), "melanoma");
  EXPECT_DOUBLE_EQ(p.spec.gates(0).at_specificity(), 0.9);
  EXPECT_TRUE(p.spec.gates(1).has_max());
  EXPECT_FALSE(p.spec.gates(1).has_min());
  EXPECT_NE(Joined(ParseSpecYaml("gates:\n  - {metric: ece, mx: 0.05}\n")).find("unknown key 'gates[0].mx'"),
            std::string::npos);
  EXPECT_NE(Joined(ParseSpecYaml("gates: {metric: ece}\n")).find("gates must be a list"), std::string::npos);
  EXPECT_NE(Joined(ParseSpecYaml("gates: [ece]\n")).find("gates[0] must be a mapping"), std::string::npos);
}

TEST(SpecYamlTest, UnknownKeyGetsItsLineAndASuggestion) {
  auto p = ParseSpecYaml("kind: train\ndata:\n  trian_dir: /x\n");
  ASSERT_EQ(p.problems.size(), 1u);
  EXPECT_EQ(p.problems[0], "line 3: unknown key 'data.trian_dir' (did you mean 'train_dir'?)");
  auto q = ParseSpecYaml("colour: red\n");
  ASSERT_EQ(q.problems.size(), 1u);
  EXPECT_NE(q.problems[0].find("known keys: kind, name, data"), std::string::npos) << q.problems[0];
}

TEST(SpecYamlTest, MalformedYamlAndWrongTypes) {
  auto bad = ParseSpecYaml("data: {train_dir: /x\n");
  ASSERT_EQ(bad.problems.size(), 1u);
  EXPECT_NE(bad.problems[0].find("malformed YAML"), std::string::npos);
  EXPECT_EQ(bad.problems[0].rfind("line ", 0), 0u) << bad.problems[0];

  auto types =
      ParseSpecYaml("train:\n  batch_size: many\n  epochs: 99999999999\n  learning_rate: fast\ndata: [1]\n");
  ASSERT_EQ(types.problems.size(), 4u) << Joined(types);
  EXPECT_EQ(types.problems[0], "line 2: train.batch_size must be a whole number (32-bit), got 'many'");
  EXPECT_NE(types.problems[1].find("train.epochs"), std::string::npos);
  EXPECT_NE(types.problems[2].find("train.learning_rate must be a number"), std::string::npos);
  EXPECT_NE(types.problems[3].find("data must be a mapping"), std::string::npos);
  EXPECT_EQ(ParseSpecYaml("").problems.at(0), "the spec is empty");
}

TEST(SpecYamlTest, LoadSpecAppliesRulesWithLinesAndResolvesPaths) {
  auto p = LoadSpec("data:\n  train_dir: data/Train\ntrain:\n  batch_size: 0\n", "/base");
  ASSERT_EQ(p.problems.size(), 1u) << Joined(p);
  EXPECT_EQ(p.problems[0], "line 4: train.batch_size must be between 1 and 4096, got 0");
  auto ok = LoadSpec("data:\n  train_dir: ../data/Train\n  test_dir: /abs/Test\n", "/base/examples");
  ASSERT_TRUE(ok.problems.empty()) << Joined(ok);
  EXPECT_EQ(ok.spec.data().train_dir(), "/base/data/Train");
  EXPECT_EQ(ok.spec.data().test_dir(), "/abs/Test");
  EXPECT_EQ(ok.spec.train().epochs(), 10) << "defaults applied";
}

TEST(SpecYamlTest, InferSpecsResolveTheirPathsAlsoFromASpecInTheCurrentFolder) {
  auto p = LoadSpec(
      "kind: infer\nmodel: {file: m.dermmodel, weights: w/r50.safetensors}\ninput: {list_file: in/list.txt}\n"
      "infer: {top_k: 2, output_csv: out/p.csv}\n",
      "");
  ASSERT_TRUE(p.problems.empty()) << p.problems.front();
  const std::string cwd = std::filesystem::current_path().string();
  EXPECT_EQ(p.spec.model().file(), cwd + "/m.dermmodel");
  EXPECT_EQ(p.spec.model().weights(), cwd + "/w/r50.safetensors");
  EXPECT_EQ(p.spec.input().list_file(), cwd + "/in/list.txt");
  EXPECT_EQ(p.spec.infer().output_csv(), "out/p.csv") << "a name in the scheduler's export folder";
  EXPECT_EQ(p.spec.infer().shard_size(), 256);
  EXPECT_FALSE(p.spec.has_data());

  auto bad = LoadSpec("kind: infer\nmodel: {run_id: 3}\ninput: {folder: a, glob: '*.jpg'}\n", "/base");
  ASSERT_EQ(bad.problems.size(), 1u);
  EXPECT_NE(bad.problems[0].find("line 3: input an infer job needs exactly one of"), std::string::npos)
      << bad.problems[0];
}

TEST(SpecYamlTest, SweepsParseAndTheirPointsAreCheckedLocally) {
  auto ok = LoadSpec(
      "data: {train_dir: /d}\nsweep:\n  method: grid\n  parameters:\n    train.learning_rate: [0.001, "
      "0.0003]\n"
      "    model.dropout: 0.5\n",
      "/");
  ASSERT_TRUE(ok.problems.empty()) << Joined(ok);
  const auto& params = ok.spec.sweep().parameters();
  EXPECT_EQ(params.at("train.learning_rate").values_size(), 2);
  EXPECT_EQ(params.at("model.dropout").values(0), "0.5");

  auto bad = LoadSpec(
      "data: {train_dir: /d}\nsweep:\n  method: grid\n  parameters: {train.batch_size: [8, 0]}\n", "/");
  ASSERT_EQ(bad.problems.size(), 1u) << Joined(bad);
  EXPECT_EQ(bad.problems[0],
            "line 2: sweep point [batch_size=0]: train.batch_size must be between 1 and 4096, got 0");
  auto unknown = LoadSpec("data: {train_dir: /d}\nsweep: {method: grid, parameters: {train.lr: [1]}}\n", "/");
  ASSERT_EQ(unknown.problems.size(), 1u) << Joined(unknown);
  EXPECT_EQ(unknown.problems[0], "line 2: sweep: unknown spec field train.lr");
}

TEST(SpecYamlTest, ADuplicateKeyIsRefusedWithBothLines) {
  // yaml-cpp keeps both; the first case once ran 5,000 epochs.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"kind: train\ntrain: {epochs: 1, epochs: 5000}\n",
       "line 2: duplicate key 'train.epochs' (first on line 2)"},
      {"data:\n  seed: 1\nkind: train\ndata:\n  seed: 2\n", "line 4: duplicate key 'data' (first on line 1)"},
      {"tags:\n  team: a\n  team: b\n", "line 3: duplicate key 'tags.team' (first on line 2)"},
      {"sweep:\n  parameters:\n    train.epochs: [1]\n    train.epochs: [2]\n",
       "line 4: duplicate key 'sweep.parameters.train.epochs' (first on line 3)"},
  };
  for (const auto& [yaml, problem] : cases) {
    auto p = ParseSpecYaml(yaml);
    ASSERT_EQ(p.problems.size(), 1u) << Joined(p);
    EXPECT_EQ(p.problems[0], problem);
  }
}

TEST(SpecYamlTest, TextThatIsNotUtf8IsRefusedWithItsLine) {
  auto p = ParseSpecYaml("kind: train\nname: d\xe9mo\n");
  ASSERT_EQ(p.problems.size(), 1u);
  EXPECT_EQ(p.problems[0], "line 2: the spec is not UTF-8 text (byte 20)");
  for (const std::string bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\xff"}) {
    EXPECT_EQ(ParseSpecYaml("name: " + bad + "\n").problems.size(), 1u)
        << "overlong, surrogate, > U+10FFFF, cut, 0xff";
  }
  auto ok = ParseSpecYaml("name: \"d\xc3\xa9mo \xe2\x9c\x93 \xf0\x9f\x94\xac\"\n");
  EXPECT_TRUE(ok.problems.empty()) << Joined(ok);
  EXPECT_EQ(ok.spec.name(), "d\xc3\xa9mo \xe2\x9c\x93 \xf0\x9f\x94\xac");
}

TEST(SpecYamlTest, DeepNestingAndHugeSpecsAreRefusedBeforeParsing) {
  // 100,000 nested lists overflowed yaml-cpp's recursion.
  auto deep = ParseSpecYaml("kind: train\ntags: " + std::string(100000, '[') + "\n");
  ASSERT_EQ(deep.problems.size(), 1u);
  EXPECT_EQ(deep.problems[0], "line 2: lists or mappings nested more than 32 deep");
  // Brackets inside quotes and comments are not nesting.
  auto quoted = ParseSpecYaml("name: \"" + std::string(40, '[') + "\"  # " + std::string(40, '{') + "\n");
  EXPECT_TRUE(quoted.problems.empty()) << Joined(quoted);
  auto huge = ParseSpecYaml("name: x\n" + std::string(kMaxSpecBytes, '#'));
  ASSERT_EQ(huge.problems.size(), 1u);
  EXPECT_NE(huge.problems[0].find("specs are at most 1048576 bytes"), std::string::npos) << huge.problems[0];
}

TEST(SpecYamlTest, TooManyTagsAreRefused) {
  std::string tags = "tags:\n";
  for (int i = 0; i < 65; ++i) tags += "  t" + std::to_string(i) + ": x\n";
  auto p = LoadSpec("kind: train\ndata: {train_dir: /d}\n" + tags, "/");
  ASSERT_FALSE(p.problems.empty());
  EXPECT_NE(Joined(p).find("tags must be at most 64 entries, got 65"), std::string::npos) << Joined(p);
}

TEST(SpecYamlTest, PathsGivenAsSweepValuesResolveAgainstTheSpecsFolder) {
  auto p = LoadSpec(
      "data: {train_dir: /d}\nsweep: {method: grid, parameters: {data.train_dir: [a, /abs/b], train.epochs: "
      "[1]}}\n",
      "/specs");
  ASSERT_TRUE(p.problems.empty()) << Joined(p);
  const auto& params = p.spec.sweep().parameters();
  EXPECT_EQ(params.at("data.train_dir").values(0), "/specs/a");
  EXPECT_EQ(params.at("data.train_dir").values(1), "/abs/b");
  EXPECT_EQ(params.at("train.epochs").values(0), "1") << "other values stay as written";
  EXPECT_FALSE(LoadSpec("data: {train_dir: /d}\n", "/specs").spec.has_sweep()) << "no sweep appears";
}

}  // namespace
}  // namespace derm::client
