#include "signatures/sigma/yaml_documents.h"

namespace soc::sigma {

std::vector<YamlDocumentText> split_yaml_documents(std::string_view yaml) {
  std::vector<YamlDocumentText> docs;
  std::size_t start = 0;  // of the current document
  int start_line = 0;
  int line = 0;
  auto is_marker = [&](std::size_t pos, char c) {
    if (yaml.size() - pos < 3 || yaml[pos] != c || yaml[pos + 1] != c || yaml[pos + 2] != c) {
      return false;
    }
    return yaml.size() - pos == 3 || yaml[pos + 3] == ' ' || yaml[pos + 3] == '\t' ||
           yaml[pos + 3] == '\n' || yaml[pos + 3] == '\r';
  };
  for (std::size_t pos = 0; pos < yaml.size(); ++line) {
    std::size_t eol = yaml.find('\n', pos);
    eol = eol == std::string_view::npos ? yaml.size() : eol + 1;
    if (is_marker(pos, '-')) {
      docs.push_back({yaml.substr(start, pos - start), start_line});
      start = pos;
      start_line = line;
    } else if (is_marker(pos, '.')) {
      docs.push_back({yaml.substr(start, pos - start), start_line});
      start = eol;
      start_line = line + 1;
    }
    pos = eol;
  }
  docs.push_back({yaml.substr(start), start_line});
  return docs;
}

bool yaml_has_content(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#' || line[0] == '%') continue;
    if (line.substr(0, 3) == "---" || line.substr(0, 3) == "...") {
      const std::size_t rest = line.find_first_not_of(" \t\r", 3);
      if (rest == std::string_view::npos || line[rest] == '#') continue;
    }
    return true;
  }
  return false;
}

}  // namespace soc::sigma
