// Pack files and signing keys: sign/verify round trips, and every refusal of read_pack with
// its reason (tampering, wrong keys, newer formats, broken structure, file lists, limits).
#include "signatures/pack/pack_file.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <msgpack.hpp>

#include "common/zstd_codec.h"
#include "tests/temp_dir.h"

namespace soc::pack {
namespace {

namespace fs = std::filesystem;

// What a pack's signature covers.
std::string signed_message(const std::string& manifest_json) {
  return std::string("soc-pack-manifest-v1\0", 21) + manifest_json;
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

SecretKey new_key() {
  auto key = SecretKey::generate();
  EXPECT_TRUE(key) << key.error().message;
  return *key;
}

// A small pack: field mappings, two rules (one incompressible) and a packet rule file.
struct Sample {
  Manifest manifest;
  std::map<std::string, std::string> files;
};

Sample sample(bool compressible) {
  Sample s;
  s.manifest.name = "test";
  s.manifest.version = *PackVersion::parse("1.0.0");
  s.manifest.min_agent_version = *PackVersion::parse("0.1");
  s.manifest.created = "2026-11-30T10:00:00Z";
  s.manifest.description = "a test pack";
  s.manifest.field_mappings = "field_mappings.yaml";
  s.manifest.routing = {{"sshd-session", "sshd"}};
  s.files["field_mappings.yaml"] = "mappings: []\n";
  s.files["rules/a.yml"] = compressible ? std::string(4000, 'a') : random_bytes(3000, 1);
  s.files["rules/b.yml"] = "title: b\n";
  s.files["packet_rules/p.rules"] = "alert tcp any any -> any any (msg:\"x\"; sid:1;)\n";
  make_manifest_files(s.manifest, s.files);
  return s;
}

std::string write(const Sample& s, const SecretKey& key) {
  auto bytes = write_pack(s.manifest, s.files, key);
  EXPECT_TRUE(bytes) << bytes.error().message;
  return bytes.value_or("");
}

// The seven fields of a pack file, to rebuild it with some of them changed.
struct Parts {
  std::string magic = "soc-pack";
  std::uint64_t format = 1;
  std::string manifest;
  std::string key_id;
  std::string signature;
  std::uint64_t codec = 0;
  std::string files;
};

Parts split(const std::string& bytes) {
  const msgpack::object_handle oh = msgpack::unpack(bytes.data(), bytes.size());
  const msgpack::object* a = oh.get().via.array.ptr;
  Parts p;
  p.magic = a[0].as<std::string>();
  p.format = a[1].as<std::uint64_t>();
  p.manifest.assign(a[2].via.bin.ptr, a[2].via.bin.size);
  p.key_id = a[3].as<std::string>();
  p.signature.assign(a[4].via.bin.ptr, a[4].via.bin.size);
  p.codec = a[5].as<std::uint64_t>();
  p.files.assign(a[6].via.bin.ptr, a[6].via.bin.size);
  return p;
}

void pack_bin(msgpack::packer<msgpack::sbuffer>& pk, const std::string& s) {
  pk.pack_bin(static_cast<std::uint32_t>(s.size()));
  pk.pack_bin_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

std::string join(const Parts& p) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(7);
  pk.pack(p.magic);
  pk.pack(p.format);
  pack_bin(pk, p.manifest);
  pk.pack(p.key_id);
  pack_bin(pk, p.signature);
  pk.pack(p.codec);
  pack_bin(pk, p.files);
  return std::string(buf.data(), buf.size());
}

// A plain files section holding `entries` as they are.
std::string files_blob(const std::vector<std::pair<std::string, std::string>>& entries) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(static_cast<std::uint32_t>(entries.size()));
  for (const auto& [path, content] : entries) {
    pk.pack_array(2);
    pk.pack(path);
    pack_bin(pk, content);
  }
  return std::string(buf.data(), buf.size());
}

// A pack holding manifest_json signed by key (whatever the JSON says) and the files blob.
std::string signed_parts(const std::string& manifest_json, const SecretKey& key,
                         const std::string& files, std::uint64_t codec = 0) {
  Parts p;
  p.manifest = manifest_json;
  p.key_id = key.public_key().id();
  p.signature = key.sign(signed_message(manifest_json)).value_or("");
  p.codec = codec;
  p.files = files;
  return join(p);
}

void expect_refused(const Result<VerifiedPack>& r, ErrorCode code, const std::string& reason) {
  ASSERT_FALSE(r) << "accepted; expected: " << reason;
  EXPECT_EQ(r.error().code, code) << r.error().message;
  EXPECT_NE(r.error().message.find(reason), std::string::npos) << r.error().message;
}

TEST(PackFile, Sha256IsLowerCaseHex) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(PackFile, ManifestFilesGetKindSizeAndHashInPathOrder) {
  const Sample s = sample(true);
  ASSERT_EQ(s.manifest.files.size(), 4u);
  EXPECT_EQ(s.manifest.files[0].path, "field_mappings.yaml");
  EXPECT_EQ(s.manifest.files[0].kind, PackFileKind::kFieldMappings);
  EXPECT_EQ(s.manifest.files[1].path, "packet_rules/p.rules");
  EXPECT_EQ(s.manifest.files[1].kind, PackFileKind::kPacket);
  EXPECT_EQ(s.manifest.files[2].kind, PackFileKind::kSigma);
  EXPECT_EQ(s.manifest.files[3].size, 9u);
  EXPECT_EQ(s.manifest.files[3].sha256, sha256_hex("title: b\n"));
  std::map<std::string, std::string> c{{"correlation/x.yml", ""}};
  Manifest m;
  make_manifest_files(m, c);
  EXPECT_EQ(m.files[0].kind, PackFileKind::kCorrelation);
}

TEST(PackFile, SignedPackRoundTrips) {
  const SecretKey key = new_key();
  for (const bool compressible : {true, false}) {
    const Sample s = sample(compressible);
    const std::string bytes = write(s, key);
    std::size_t content = 0;
    for (const auto& [path, text] : s.files) content += text.size();
    if (compressible) {
      EXPECT_LT(bytes.size(), content) << "zstd when smaller";
    }
    auto pack = read_pack(bytes, {new_key().public_key(), key.public_key()});
    ASSERT_TRUE(pack) << pack.error().message;
    EXPECT_EQ(pack->manifest, s.manifest);
    EXPECT_EQ(pack->files, s.files);
    EXPECT_EQ(pack->signer_id, key.public_key().id());
    auto peeked = peek_manifest(bytes);
    ASSERT_TRUE(peeked) << peeked.error().message;
    EXPECT_EQ(peeked->manifest, s.manifest);
    EXPECT_EQ(peeked->signer_id, key.public_key().id());
  }
}

TEST(PackFile, TamperedManifestIsRefused) {
  const SecretKey key = new_key();
  std::string bytes = write(sample(true), key);
  const std::size_t at = bytes.find("a test pack");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'A';
  expect_refused(read_pack(bytes, {key.public_key()}), ErrorCode::kInvalidArgument,
                 "bad signature (tampered or wrong key)");
}

TEST(PackFile, TamperedFileIsRefused) {
  const SecretKey key = new_key();
  const Sample s = sample(false);  // stored plain, so the file's bytes are in the pack as they are
  std::string bytes = write(s, key);
  const std::size_t at = bytes.find(s.files.at("rules/a.yml"));
  ASSERT_NE(at, std::string::npos);
  bytes[at + 100] = static_cast<char>(bytes[at + 100] ^ 1);
  expect_refused(read_pack(bytes, {key.public_key()}), ErrorCode::kMalformed,
                 "file rules/a.yml does not match its SHA-256 in the manifest");
}

TEST(PackFile, TamperedSignatureIsRefused) {
  const SecretKey key = new_key();
  const std::string bytes = write(sample(true), key);
  Parts p = split(bytes);
  ASSERT_EQ(p.signature.size(), 64u);
  EXPECT_TRUE(key.public_key().verify(signed_message(p.manifest), p.signature));
  p.signature[10] = static_cast<char>(p.signature[10] ^ 0x40);
  expect_refused(read_pack(join(p), {key.public_key()}), ErrorCode::kInvalidArgument,
                 "bad signature (tampered or wrong key)");
}

TEST(PackFile, UntrustedKeyIsRefusedByItsId) {
  const SecretKey key = new_key();
  const std::string bytes = write(sample(true), key);
  expect_refused(read_pack(bytes, {new_key().public_key()}), ErrorCode::kInvalidArgument,
                 "signed by key " + key.public_key().id() + ", which is not trusted");
  expect_refused(read_pack(bytes, {}), ErrorCode::kInvalidArgument, "which is not trusted");
  // Another key claiming the signer's id does not verify.
  Parts p = split(bytes);
  const SecretKey other = new_key();
  p.signature = other.sign(signed_message(p.manifest)).value_or("");
  expect_refused(read_pack(join(p), {key.public_key()}), ErrorCode::kInvalidArgument,
                 "bad signature");
}

TEST(PackFile, SignatureIsCheckedBeforeTheManifestIsParsed) {
  const SecretKey key = new_key();
  const std::string garbage_json = "{\"format\": 1, oops";
  Parts p = split(write(sample(true), key));
  p.manifest = garbage_json;
  expect_refused(read_pack(join(p), {key.public_key()}), ErrorCode::kInvalidArgument,
                 "bad signature");
  // Signed, the same JSON gets as far as the manifest parser.
  expect_refused(read_pack(signed_parts(garbage_json, key, files_blob({})), {key.public_key()}),
                 ErrorCode::kMalformed, "manifest: not valid JSON");
}

TEST(PackFile, NewerFormatIsRefused) {
  const SecretKey key = new_key();
  Parts p = split(write(sample(true), key));
  p.format = 2;
  auto r = read_pack(join(p), {key.public_key()});
  expect_refused(r, ErrorCode::kUnsupported, "pack format 2 is newer than this agent supports (1)");
  EXPECT_FALSE(peek_manifest(join(p)));
  // A newer format may change the layout: only the magic and the format are read.
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(3);
  pk.pack(std::string("soc-pack"));
  pk.pack(std::uint64_t{7});
  pk.pack(std::string("something else"));
  expect_refused(read_pack(std::string(buf.data(), buf.size()), {key.public_key()}),
                 ErrorCode::kUnsupported, "pack format 7 is newer");
}

TEST(PackFile, NewerManifestFormatInsideIsRefused) {
  const SecretKey key = new_key();
  const Sample s = sample(true);
  std::string json = to_json(s.manifest);
  json.replace(json.find("\"format\":1"), 10, "\"format\":2");
  expect_refused(read_pack(signed_parts(json, key, files_blob({})), {key.public_key()}),
                 ErrorCode::kUnsupported, "pack format 2 is newer");
}

TEST(PackFile, TruncatedPacksAreRefused) {
  const SecretKey key = new_key();
  const std::string bytes = write(sample(true), key);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto r = read_pack(std::string_view(bytes).substr(0, n), {key.public_key()});
    ASSERT_FALSE(r) << "accepted a pack cut at " << n;
    EXPECT_EQ(r.error().code, ErrorCode::kMalformed) << n << ": " << r.error().message;
  }
  expect_refused(read_pack(bytes.substr(0, bytes.size() / 2), {key.public_key()}),
                 ErrorCode::kMalformed, "truncated");
  expect_refused(read_pack(bytes + "x", {key.public_key()}), ErrorCode::kMalformed,
                 "trailing bytes");
}

TEST(PackFile, GarbageIsRefused) {
  const SecretKey key = new_key();
  for (unsigned seed = 0; seed < 200; ++seed) {
    const std::string bytes = random_bytes(1 + seed * 7, seed);
    EXPECT_FALSE(read_pack(bytes, {key.public_key()}));
    EXPECT_FALSE(peek_manifest(bytes));
  }
  expect_refused(read_pack("", {key.public_key()}), ErrorCode::kMalformed, "truncated");
  expect_refused(read_pack("hello world", {key.public_key()}), ErrorCode::kMalformed,
                 "malformed pack");
  Parts p = split(write(sample(true), key));
  p.magic = "soc-pakk";
  expect_refused(read_pack(join(p), {key.public_key()}), ErrorCode::kMalformed,
                 "not a soc pack file");
  p = split(write(sample(true), key));
  p.codec = 7;
  expect_refused(read_pack(join(p), {key.public_key()}), ErrorCode::kMalformed, "unknown codec 7");
  p = split(write(sample(true), key));
  p.key_id = "not hex";
  expect_refused(read_pack(join(p), {key.public_key()}), ErrorCode::kMalformed, "key id");
  p = split(write(sample(true), key));
  p.signature.pop_back();
  expect_refused(read_pack(join(p), {key.public_key()}), ErrorCode::kMalformed,
                 "signature is 63 bytes");
}

TEST(PackFile, FilesMustBeExactlyTheManifests) {
  const SecretKey key = new_key();
  const Sample s = sample(true);
  const std::string json = to_json(s.manifest);
  std::vector<std::pair<std::string, std::string>> entries(s.files.begin(), s.files.end());
  auto read = [&](const std::vector<std::pair<std::string, std::string>>& e) {
    return read_pack(signed_parts(json, key, files_blob(e)), {key.public_key()});
  };
  ASSERT_TRUE(read(entries)) << read(entries).error().message;

  auto duplicated = entries;
  duplicated.push_back(entries[1]);
  expect_refused(read(duplicated), ErrorCode::kMalformed,
                 "file " + entries[1].first + " appears twice");
  auto extra = entries;
  extra.emplace_back("rules/evil.yml", "x");
  expect_refused(read(extra), ErrorCode::kMalformed, "file rules/evil.yml is not in the manifest");
  auto missing = entries;
  missing.pop_back();
  expect_refused(read(missing), ErrorCode::kMalformed,
                 "file " + entries.back().first + " listed in the manifest is missing");
  auto resized = entries;
  resized[2].second += "more";
  expect_refused(read(resized), ErrorCode::kMalformed,
                 "file " + entries[2].first + " is 4004 bytes, the manifest says 4000");
  expect_refused(read_pack(signed_parts(json, key, "\x91\x93\x01\x02\x03"), {key.public_key()}),
                 ErrorCode::kMalformed, "files[0] is not a [path, content] pair");
  expect_refused(read_pack(signed_parts(json, key, "\x80"), {key.public_key()}),
                 ErrorCode::kMalformed, "files not an array");
  // Big nested arrays are refused before anything is allocated for them.
  expect_refused(read_pack(signed_parts(json, key,
                                        std::string("\x91\xdd\x00\x01\x00\x00", 6) +
                                            std::string(65536, '\x01')),
                           {key.public_key()}),
                 ErrorCode::kMalformed, "files[0] is not a [path, content] pair");
  expect_refused(
      read_pack(signed_parts(json, key, files_blob(entries) + "\x01"), {key.public_key()}),
      ErrorCode::kMalformed, "trailing bytes after the files");
  expect_refused(
      read_pack(signed_parts(json, key, files_blob(entries).substr(0, 40)), {key.public_key()}),
      ErrorCode::kMalformed, "files truncated");
  // zstd-coded sections that are not zstd.
  expect_refused(read_pack(signed_parts(json, key, files_blob(entries), 1), {key.public_key()}),
                 ErrorCode::kMalformed, "files: bad zstd frame");
}

TEST(PackFile, SizeLimitsAreEnforced) {
  const SecretKey key = new_key();
  const Sample s = sample(true);
  const std::string json = to_json(s.manifest);
  // The whole file.
  expect_refused(read_pack(std::string(kMaxPackBytes + 1, '\0'), {key.public_key()}),
                 ErrorCode::kTooLarge, "above the limit of 64 MiB");
  // A small zstd frame claiming more than 64 MiB (a decompression bomb).
  const std::string bomb = zstd_compress(std::string(kMaxPackBytes + 1, '\0'), 1);
  ASSERT_FALSE(bomb.empty());
  ASSERT_LT(bomb.size(), 100'000u);
  expect_refused(read_pack(signed_parts(json, key, bomb, 1), {key.public_key()}),
                 ErrorCode::kTooLarge, "decompress beyond the limit of 64 MiB");
  // More files than allowed (an array header claiming 20,001 entries).
  const std::string many("\xdd\x00\x00\x4e\x21", 5);
  expect_refused(read_pack(signed_parts(json, key, many), {key.public_key()}), ErrorCode::kTooLarge,
                 "20001 entries, at most 20000");
  // One file above 4 MiB.
  const std::string big(kMaxPackFileBytes + 1, 'x');
  expect_refused(
      read_pack(signed_parts(json, key, files_blob({{"rules/a.yml", big}})), {key.public_key()}),
      ErrorCode::kTooLarge, "is 4194305 bytes, at most 4 MiB");
  Sample too_big = s;
  too_big.files["rules/a.yml"] = big;
  make_manifest_files(too_big.manifest, too_big.files);
  auto written = write_pack(too_big.manifest, too_big.files, key);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::kTooLarge);
}

TEST(PackFile, WritePackRefusesAManifestThatDoesNotDescribeTheFiles) {
  const SecretKey key = new_key();
  Sample s = sample(true);
  s.files["rules/b.yml"] = "changed\n";
  auto r = write_pack(s.manifest, s.files, key);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("rules/b.yml"), std::string::npos) << r.error().message;
  s = sample(true);
  s.files["rules/c.yml"] = "new\n";
  EXPECT_FALSE(write_pack(s.manifest, s.files, key));
  s = sample(true);
  s.manifest.name = "bad name";
  r = write_pack(s.manifest, s.files, key);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("invalid manifest: manifest: name"), std::string::npos)
      << r.error().message;
  s = sample(true);
  s.manifest.description = "\xff\xfe";
  EXPECT_FALSE(write_pack(s.manifest, s.files, key));
  EXPECT_FALSE(write_pack(sample(true).manifest, sample(true).files, SecretKey()));
}

// ---- keys ----

class PackKeyTest : public ::testing::Test {
 protected:
  soc::testing::TempDir dir_{"soc-pack-key"};
};

TEST_F(PackKeyTest, KeysRoundTripThroughPem) {
  const SecretKey key = new_key();
  const PublicKey pub = key.public_key();
  EXPECT_EQ(pub.id().size(), 16u);
  EXPECT_NE(key.to_pem().find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  EXPECT_NE(pub.to_pem().find("-----BEGIN PUBLIC KEY-----"), std::string::npos);
  auto again = PublicKey::from_pem(pub.to_pem());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->id(), pub.id());
  auto signature = key.sign("hello");
  ASSERT_TRUE(signature);
  EXPECT_EQ(signature->size(), 64u);
  EXPECT_TRUE(again->verify("hello", *signature));
  EXPECT_FALSE(again->verify("hellO", *signature));
  EXPECT_FALSE(again->verify("hello", signature->substr(1)));
  EXPECT_FALSE(new_key().public_key().verify("hello", *signature));
  EXPECT_FALSE(PublicKey().verify("hello", *signature));
  EXPECT_NE(new_key().public_key().id(), pub.id());
}

TEST_F(PackKeyTest, WritesAKeyPairOnceUnlessOverwriting) {
  const std::string keys = dir_.path() + "/keys";
  auto pub = write_new_keypair(keys, false);
  ASSERT_TRUE(pub) << pub.error().message;
  struct stat st {};
  ASSERT_EQ(::stat((keys + "/pack_signing.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(keys.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto secret = SecretKey::load(keys + "/pack_signing.key");
  ASSERT_TRUE(secret) << secret.error().message;
  EXPECT_EQ(secret->public_key().id(), pub->id());
  auto loaded = PublicKey::load(keys + "/pack_signing.pub");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->id(), pub->id());

  auto again = write_new_keypair(keys, false);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  auto replaced = write_new_keypair(keys, true);
  ASSERT_TRUE(replaced) << replaced.error().message;
  EXPECT_NE(replaced->id(), pub->id());
  EXPECT_EQ(PublicKey::load(keys + "/pack_signing.pub")->id(), replaced->id());
}

TEST_F(PackKeyTest, RefusesASecretKeyOthersCanRead) {
  ASSERT_TRUE(write_new_keypair(dir_.path(), false));
  const std::string path = dir_.path() + "/pack_signing.key";
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto key = SecretKey::load(path);
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(key.error().message.find("mode 0644"), std::string::npos) << key.error().message;
  ASSERT_EQ(::chmod(path.c_str(), 0620), 0);
  EXPECT_FALSE(SecretKey::load(path));
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(SecretKey::load(path));
}

TEST_F(PackKeyTest, RefusesFilesThatAreNotEd25519KeysOfTheRightKind) {
  ASSERT_TRUE(write_new_keypair(dir_.path(), false));
  auto secret_as_public = PublicKey::load(dir_.path() + "/pack_signing.key");
  ASSERT_FALSE(secret_as_public);
  EXPECT_EQ(secret_as_public.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(secret_as_public.error().message.find("secret key"), std::string::npos);

  const std::string pub_copy = dir_.path() + "/copy.pub";
  fs::copy_file(dir_.path() + "/pack_signing.pub", pub_copy);
  ASSERT_EQ(::chmod(pub_copy.c_str(), 0600), 0);
  auto public_as_secret = SecretKey::load(pub_copy);
  ASSERT_FALSE(public_as_secret);
  EXPECT_NE(public_as_secret.error().message.find("public key"), std::string::npos);

  // An X25519 key has the same size but is not a signing key.
  const char* x25519 =
      "-----BEGIN PUBLIC KEY-----\n"
      "MCowBQYDK2VuAyEA6Pe16t6oyIxYulAsomdUNs+m4iZqW6AF+IQXRqeM/0U=\n"
      "-----END PUBLIC KEY-----\n";
  auto wrong_type = PublicKey::from_pem(x25519);
  ASSERT_FALSE(wrong_type);
  EXPECT_NE(wrong_type.error().message.find("not an Ed25519 key"), std::string::npos);
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> x_secret(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"), EVP_PKEY_free);
  ASSERT_TRUE(x_secret);
  std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new(BIO_s_mem()), BIO_free);
  ASSERT_EQ(
      PEM_write_bio_PrivateKey(bio.get(), x_secret.get(), nullptr, nullptr, 0, nullptr, nullptr),
      1);
  std::string pem(BIO_ctrl_pending(bio.get()), '\0');
  ASSERT_GT(BIO_read(bio.get(), pem.data(), static_cast<int>(pem.size())), 0);
  const std::string x_path = dir_.path() + "/x25519.key";
  std::ofstream(x_path) << pem;
  ASSERT_EQ(::chmod(x_path.c_str(), 0600), 0);
  auto x_load = SecretKey::load(x_path);
  ASSERT_FALSE(x_load);
  EXPECT_NE(x_load.error().message.find("not an Ed25519 key"), std::string::npos);

  EXPECT_FALSE(PublicKey::from_pem("hello"));
  auto missing = PublicKey::load(dir_.path() + "/nope.pub");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kIo);
}

}  // namespace
}  // namespace soc::pack
