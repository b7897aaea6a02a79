#include "common/spec/table_options.h"

#include <filesystem>

namespace derm {

table::TableOptions TableOptionsOf(const derm::v1::DataSpec& data, const std::vector<std::string>& classes) {
  table::TableOptions o;
  o.format = data.format();
  o.image_column = data.image_column();
  o.label_column = data.label_column();
  if (data.has_group_column()) o.group_column = data.group_column();
  if (data.attributes_size() > 0)
    o.attributes = std::vector<std::string>(data.attributes().begin(), data.attributes().end());
  o.class_names = classes;
  return o;
}

std::string ImageFolderOf(const std::string& table, const std::string& images) {
  if (!images.empty()) return images;
  const std::string parent = std::filesystem::path(table).parent_path().string();
  return parent.empty() ? "." : parent;
}

}  // namespace derm
