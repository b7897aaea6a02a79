#include "scheduler/listen_address.h"

#include <gtest/gtest.h>

namespace derm::scheduler {
namespace {

TEST(ListenAddressTest, OnlyAnIpAddressAndAPortOneListenerEach) {
  EXPECT_EQ(NumericListenAddress("127.0.0.1:0").value(), "127.0.0.1:0");
  EXPECT_EQ(NumericListenAddress("0.0.0.0:50051").value(), "0.0.0.0:50051");
  EXPECT_EQ(NumericListenAddress("[::]:50051").value(), "[::]:50051");
  EXPECT_EQ(NumericListenAddress("localhost:0").value(), "127.0.0.1:0") << "not 127.0.0.1 and ::1";
  EXPECT_NE(NumericListenAddress(":0").status().message().find("name the address to listen on"),
            std::string::npos);
  EXPECT_NE(NumericListenAddress("example.org:1").status().message().find("not a name"), std::string::npos);
  for (const char* bad : {"127.0.0.1:70000", "127.0.0.1:-1", "127.0.0.1:abc", "127.0.0.1", "[::1:5"}) {
    EXPECT_EQ(NumericListenAddress(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace derm::scheduler
