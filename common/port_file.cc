#include "common/port_file.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace streamtune {

absl::Status WritePortFile(const std::string& path,
                           const std::vector<std::pair<std::string, int>>& ports) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << "{";
    for (size_t i = 0; i < ports.size(); ++i) {
      out << (i > 0 ? ", " : "") << "\"" << ports[i].first << "\": " << ports[i].second;
    }
    out << "}\n";
    if (!out) return absl::InternalError(absl::StrCat(path, ": cannot write"));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat(path, ": cannot rename into place"));
  }
  return absl::OkStatus();
}

}  // namespace streamtune
