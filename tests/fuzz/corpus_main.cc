// Runs a fuzz target over every file of a corpus folder, as an ordinary test (no libFuzzer).
// Exit 0 when every input was handled (the target aborts on a violated property).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " CORPUS_DIR\n";
    return 2;
  }
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    const std::string s = bytes.str();
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
    ++n;
  }
  if (n == 0) {
    std::cerr << "no corpus files in " << argv[1] << "\n";
    return 1;
  }
  std::cout << n << " corpus inputs handled\n";
  return 0;
}
