#include "bench/escape.h"

namespace streamtune::bench {

std::string EscapeText(absl::string_view text, EscapeFor target) {
  const bool xml = target == EscapeFor::kXml;
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        continue;
      case '<':
        out += "&lt;";
        continue;
      case '>':
        out += "&gt;";
        continue;
      default:
        break;
    }
    if (xml) {
      if (c == '"') {
        out += "&quot;";
      } else if (c == '\'') {
        out += "&apos;";
      } else {
        out += (static_cast<unsigned char>(c) < 0x20 && c != '\t') ? ' ' : c;
      }
    } else if (c == '\n') {
      out += ' ';
    } else if (absl::string_view("\\|`*[]#").find(c) != absl::string_view::npos) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace streamtune::bench
