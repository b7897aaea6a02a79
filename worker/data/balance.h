// Balancing a training split with augmented copies (DatasetOptions::samples_per_class).
#pragma once

#include <cstdint>

#include "common/status.h"
#include "worker/core/image_set.h"
#include "worker/data/decode_cache.h"

namespace derm::data {

// Adds augmented copies (random horizontal flip, rotation within +-0.1 turn, zoom within +-10 %,
// reflect fill) of each class's images to `set` until every class present has `per_class`
// images; classes already at or above it are left alone. Copies are named "<source>#copy<k>";
// deterministic for `seed`. Appended to `sink` when the set is backed by it, else in RAM.
Status Balance(core::ImageSet* set, int num_classes, int per_class, uint64_t seed, CacheWriter* sink);

}  // namespace derm::data
