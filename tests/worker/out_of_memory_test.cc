// Which exceptions mean an attempt ran out of memory (worker/out_of_memory.h).
#include "worker/out_of_memory.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <new>
#include <stdexcept>

namespace derm::worker {
namespace {

TEST(OutOfMemoryTest, ARealLibTorchAllocationFailureIsOutOfMemory) {
  bool thrown = false;
  try {
    (void)at::empty({int64_t{1} << 43}, at::kFloat);  // 32 TiB: more than any machine's memory
  } catch (const std::exception& e) {
    thrown = true;
    EXPECT_TRUE(IsOutOfMemory(e)) << e.what();
  }
  EXPECT_TRUE(thrown);
}

TEST(OutOfMemoryTest, BadAllocAndCudaMessagesAreOutOfMemoryOtherFailuresAreNot) {
  EXPECT_TRUE(IsOutOfMemory(std::bad_alloc()));
  EXPECT_TRUE(IsOutOfMemory(std::runtime_error("CUDA out of memory. Tried to allocate 2.00 GiB")));
  EXPECT_FALSE(IsOutOfMemory(std::runtime_error("Expected all tensors to be on the same device")));
  EXPECT_FALSE(IsOutOfMemory(std::invalid_argument("bad shape")));
}

}  // namespace
}  // namespace derm::worker
