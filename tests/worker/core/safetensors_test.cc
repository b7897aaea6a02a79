#include "worker/core/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>

#include "worker/core/json_lite.h"

namespace derm::core {
namespace {

std::string File(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  const uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

std::string Message(const std::string& bytes) { return ParseSafetensors(bytes).status().message(); }

TEST(SafetensorsTest, RoundTripsDtypesAndShapes) {
  TensorMap in;
  in["a.weight"] = at::arange(6, at::kFloat).view({2, 3});
  in["b"] = at::tensor({7, -8}, at::kLong);
  in["scalar"] = at::full({}, 2.5, at::kDouble);
  in["half"] = at::ones({4}, at::kHalf);
  auto bytes = SerializeSafetensors(in);
  ASSERT_TRUE(bytes.ok());
  auto out = ParseSafetensors(*bytes);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 4u);
  for (const auto& [name, t] : in) {
    EXPECT_EQ(out->at(name).scalar_type(), t.scalar_type()) << name;
    EXPECT_TRUE(at::equal(out->at(name), t)) << name;
  }
}

TEST(SafetensorsTest, TensorNamesAreEscapedInTheHeader) {
  TensorMap in;
  const std::string name = "odd \"name\" with \\ and \n";
  in[name] = at::ones({2}, at::kFloat);
  auto out = ParseSafetensors(SerializeSafetensors(in).value());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->count(name), 1u);
  EXPECT_TRUE(at::equal(out->at(name), in[name]));
}

TEST(SafetensorsTest, ReadsAHandWrittenFileWithMetadata) {
  float v[2] = {1.5f, -2.0f};
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  auto t = ParseSafetensors(File(header, std::string(reinterpret_cast<char*>(v), 8)));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_FLOAT_EQ(t->at("w")[1].item<float>(), -2.0f);
}

TEST(SafetensorsTest, RejectsMalformedFilesNamingTheProblem) {
  EXPECT_NE(Message("abc").find("shorter than"), std::string::npos);
  EXPECT_NE(Message(File("{", "")).find("malformed header"), std::string::npos);
  std::string huge(8, '\xff');
  // The length read (2^64 - 1 here) is not echoed: the file may be anything (/dev/zero, /etc/passwd).
  EXPECT_EQ(Message(huge + "{}"),
            "safetensors: the header length in the first 8 bytes is larger than the 10-byte file or the 100 "
            "MB limit");
  const std::string data(8, '\0');
  EXPECT_NE(Message(File(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", data))
                .find("tensor w: data_offsets [0, 16] are outside"),
            std::string::npos);
  EXPECT_NE(Message(File(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data))
                .find("tensor w: holds 8 bytes but"),
            std::string::npos);
  EXPECT_NE(Message(File(R"({"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", data))
                .find("unsupported dtype Q4"),
            std::string::npos);
  EXPECT_NE(Message(File(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data))
                .find("invalid dimension"),
            std::string::npos);
  EXPECT_NE(Message(File(R"({"w":{"dtype":"F32","shape":[2]}})", data)).find("data_offsets must be"),
            std::string::npos);
  EXPECT_NE(
      Message(
          File(
              R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
              data))
          .find("overlap"),
      std::string::npos);
  EXPECT_NE(Message(File(R"([1,2])", "")).find("not a JSON object"), std::string::npos);
  EXPECT_EQ(ReadSafetensors("/nonexistent/w.safetensors").status().code(), StatusCode::kNotFound);
}

TEST(JsonLiteTest, ParsesAndRejects) {
  auto v = ParseJson(R"( {"a": [1, -2, 3.5e1], "b": "x\"\u0041", "c": {"d": true, "e": null}} )");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->object.at("a").array[1].integer, -2);
  EXPECT_DOUBLE_EQ(v->object.at("a").array[2].number, 35.0);
  EXPECT_EQ(v->object.at("b").string, "x\"A");
  EXPECT_TRUE(v->object.at("c").object.at("d").boolean);
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,\"a\":2}", "\"abc", "tru", "1 2",
                          "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"}) {
    EXPECT_FALSE(ParseJson(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace derm::core
