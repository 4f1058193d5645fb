// write_file_durably: the file is replaced whole with the mode asked for, never through a link
// left at the temporary name, and a failed step leaves no temporary file and names what failed.
#include "common/write_file_durably.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/temp_dir.h"

namespace soc {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(WriteFileDurably, CreatesThenReplacesTheWholeFileWithTheGivenMode) {
  testing::TempDir dir("soc-write");
  const std::string path = dir.path() + "/state.json";
  const std::string temp = path + ".tmp";
  ASSERT_TRUE(write_file_durably(path, "first, longer content", temp, 0600));
  EXPECT_EQ(read_all(path), "first, longer content");
  ASSERT_TRUE(write_file_durably(path, "second", temp, 0600));
  EXPECT_EQ(read_all(path), "second");
  EXPECT_FALSE(std::filesystem::exists(temp));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(WriteFileDurably, ALeftoverOrPlantedTemporaryFileIsReplacedNotFollowed) {
  testing::TempDir dir("soc-write");
  const std::string path = dir.file("tokens");
  const std::string temp = path + ".tmp";
  const std::string elsewhere = dir.file("elsewhere");
  { std::ofstream(elsewhere) << "not to be touched"; }
  std::filesystem::create_symlink(elsewhere, temp);
  ASSERT_TRUE(write_file_durably(path, "secret", temp, 0600));
  EXPECT_EQ(read_all(elsewhere), "not to be touched");
  EXPECT_EQ(read_all(path), "secret");
  EXPECT_FALSE(std::filesystem::is_symlink(path));

  { std::ofstream(temp) << "left by a crash"; }
  ASSERT_EQ(::chmod(temp.c_str(), 0666), 0);
  ASSERT_TRUE(write_file_durably(path, "again", temp, 0600));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_all(path), "again");
}

TEST(WriteFileDurably, AFailedRenameRemovesTheTemporaryFileAndSaysSo) {
  testing::TempDir dir("soc-write");
  const std::string path = dir.path() + "/taken";
  std::filesystem::create_directories(path + "/not-empty");  // a folder cannot be renamed over
  const std::string temp = dir.path() + "/.taken.tmp";
  auto written = write_file_durably(path, "bytes", temp, 0644);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::kIo);
  EXPECT_NE(written.error().message.find("rename " + temp), std::string::npos)
      << written.error().message;
  EXPECT_FALSE(std::filesystem::exists(temp));
  EXPECT_TRUE(std::filesystem::is_directory(path));
}

TEST(WriteFileDurably, AMissingFolderIsAnErrorNamingTheFile) {
  testing::TempDir dir("soc-write");
  const std::string path = dir.path() + "/missing/file";
  auto written = write_file_durably(path, "bytes", path + ".tmp", 0644);
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().message.find("create " + path + ".tmp"), std::string::npos)
      << written.error().message;
}

}  // namespace
}  // namespace soc
