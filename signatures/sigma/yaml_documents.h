// Splitting a YAML stream into its documents without yaml-cpp's LoadAll, which loops forever,
// allocating, on a document starting with a stray `,` (found by fuzz_sigma). Parse each piece
// with YAML::Load instead. Shared by the Sigma rule parser and the pack builder (which checks
// correlation files). Pure functions of their input; never throw.
#pragma once

#include <string_view>
#include <vector>

namespace soc::sigma {

// One YAML document of a stream: its text (a view into the stream) and the 0-based line it
// starts on.
struct YamlDocumentText {
  std::string_view text;
  int first_line = 0;
};

// Splits a stream at its document markers: a line starting with `---` or `...` followed by a
// space, a tab or the line end (YAML recognises them only there). A `---` line begins the next
// document (it may carry content, `--- |`); a `...` line ends the current one. Always returns
// at least one (possibly empty) document.
std::vector<YamlDocumentText> split_yaml_documents(std::string_view yaml);

// Whether text holds anything besides blank lines, comments, document markers and directives
// (yaml-cpp returns an empty document for some text that is not empty, e.g. a stray `,`).
bool yaml_has_content(std::string_view text);

}  // namespace soc::sigma
