// Filling a gRPC request message from an HTTP request: the JSON body (protobuf's JSON mapping),
// then the query's parameters and the path's {name} values, each naming a field of the message.
#pragma once

#include <google/protobuf/message.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace derm::scheduler::web {

// Sets `request` from `body` (JSON; empty: none), then from each (name, value) of `query` and
// `path_params`: scalars from their text, enums by name or number, bools as true/false, repeated
// fields by repeating the name or by commas ("run_ids=1,2"). INVALID_ARGUMENT naming the field for
// an unknown name, a value that does not parse, a message field, or JSON that does not match the
// message.
Status FillRequest(const std::string& body, const std::vector<std::pair<std::string, std::string>>& query,
                   const std::map<std::string, std::string>& path_params, google::protobuf::Message* request);

}  // namespace derm::scheduler::web
