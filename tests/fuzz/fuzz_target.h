// A fuzz target: LLVMFuzzerTestOneInput feeds one input to one of derm's readers of untrusted
// bytes, which must answer with a Status and never crash, hang or read out of bounds. Built with
// libFuzzer by scripts/fuzz.sh, and with replay_main.cc as an ordinary program that CI runs over
// each target's corpus (tests/fuzz/corpus/<target>/: seeds and every crash found).
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
