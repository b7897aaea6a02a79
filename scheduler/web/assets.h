// The dashboard's static files (scheduler/web/static/), compiled into the binary by
// cmake/embed_assets.cmake, so the scheduler serves them with nothing installed beside it.
#pragma once

#include <string_view>

namespace derm::scheduler::web {

struct Asset {
  std::string_view name;          // "app.js": the file's name in static/
  std::string_view content_type;  // from its extension
  std::string_view bytes;
};

// The asset named `name`; nullptr when there is none.
const Asset* FindAsset(std::string_view name);

}  // namespace derm::scheduler::web
