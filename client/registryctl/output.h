// Rendering of registryctl results: aligned human tables or protobuf JSON.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "google/protobuf/message.h"

namespace registry::ctl {

// Prints `rows` under `header` as space-aligned columns.
void PrintTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

// Prints `message` as indented canonical proto3 JSON followed by a newline.
void PrintJson(std::ostream& out, const google::protobuf::Message& message);

}  // namespace registry::ctl
