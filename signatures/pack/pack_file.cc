#include "signatures/pack/pack_file.h"

#include <openssl/evp.h>

#include <array>
#include <exception>
#include <set>

#include <msgpack.hpp>

#include "common/zstd_codec.h"

namespace soc::pack {
namespace {

constexpr std::string_view kMagic = "soc-pack";
constexpr std::string_view kSignatureContext = "soc-pack-manifest-v1";
constexpr std::uint32_t kEnvelopeArity = 7;
constexpr std::uint64_t kCodecPlain = 0;
constexpr std::uint64_t kCodecZstd = 1;
constexpr int kZstdLevel = 9;  // packs are built once and read by every agent
constexpr std::size_t kKeyIdHexDigits = 16;
constexpr std::size_t kSignatureBytes = 64;

using Packer = msgpack::packer<msgpack::sbuffer>;

tl::unexpected<Error> malformed(const std::string& what) {
  return fail(ErrorCode::kMalformed, "malformed pack: " + what);
}

// What the signature covers: a context string, a NUL, then the manifest JSON.
std::string signed_message(std::string_view manifest_json) {
  std::string out(kSignatureContext);
  out += '\0';
  out += manifest_json;
  return out;
}

// Untrusted text for an error message: control bytes and non-ASCII shown as '?', cut at 200.
std::string printable(std::string_view s) {
  std::string out;
  for (const char c : s.substr(0, 200)) {
    const auto b = static_cast<unsigned char>(c);
    out += (b < 0x20 || b >= 0x7f) ? '?' : c;
  }
  if (s.size() > 200) out += "...";
  return out;
}

bool is_lower_hex(std::string_view s) {
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string_view view_bin(const msgpack::object& o) { return {o.via.bin.ptr, o.via.bin.size}; }
std::string_view view_str(const msgpack::object& o) { return {o.via.str.ptr, o.via.str.size}; }

void pack_bin(Packer& pk, std::string_view bytes) {
  pk.pack_bin(static_cast<std::uint32_t>(bytes.size()));
  pk.pack_bin_body(bytes.data(), static_cast<std::uint32_t>(bytes.size()));
}

// Unpacks exactly one msgpack value occupying all of bytes; `what` names it in errors.
Result<msgpack::object_handle> unpack_exact(std::string_view bytes,
                                            const msgpack::unpack_limit& limit,
                                            const std::string& what) {
  try {
    std::size_t offset = 0;
    // Strings and bins point into `bytes` instead of being copied (up to 64 MiB).
    auto reference = [](msgpack::type::object_type /*type*/, std::size_t /*length*/,
                        void* /*user*/) { return true; };
    msgpack::object_handle oh =
        msgpack::unpack(bytes.data(), bytes.size(), offset, reference, nullptr, limit);
    if (offset != bytes.size()) return malformed("trailing bytes after the " + what);
    return oh;
  } catch (const msgpack::size_overflow& e) {
    return fail(ErrorCode::kTooLarge,
                "pack " + what + " exceeds a size limit (" + std::string(e.what()) + ")");
  } catch (const msgpack::insufficient_bytes&) {
    return malformed(what + " truncated");
  } catch (const std::exception& e) {
    return malformed(what + ": " + e.what());
  }
}

// The outer array, checked for structure and format; views point into the bytes read.
struct Envelope {
  msgpack::object_handle handle;
  std::uint64_t format = 0;
  std::string_view manifest_json;
  std::string key_id;
  std::string_view signature;
  std::uint64_t codec = kCodecPlain;
  std::string_view files;
};

Result<Envelope> read_envelope(std::string_view bytes) {
  if (bytes.size() > kMaxPackBytes) {
    return fail(ErrorCode::kTooLarge, "pack file is " + std::to_string(bytes.size()) +
                                          " bytes, above the limit of 64 MiB");
  }
  // array, map, str, bin, ext element limits, then nesting depth.
  const msgpack::unpack_limit limit(16, 0, 64, kMaxPackBytes, 0, 3);
  auto oh = unpack_exact(bytes, limit, "file");
  if (!oh) return tl::unexpected(oh.error());
  Envelope env;
  env.handle = std::move(*oh);
  const msgpack::object& o = env.handle.get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size < 2 ||
      o.via.array.ptr[0].type != msgpack::type::STR || view_str(o.via.array.ptr[0]) != kMagic) {
    return malformed("not a soc pack file (no \"soc-pack\" header)");
  }
  const msgpack::object* a = o.via.array.ptr;
  if (a[1].type != msgpack::type::POSITIVE_INTEGER) return malformed("format not an integer");
  env.format = a[1].via.u64;
  if (env.format > static_cast<std::uint64_t>(kPackFormat)) {
    return fail(ErrorCode::kUnsupported, "pack format " + std::to_string(env.format) +
                                             " is newer than this agent supports (" +
                                             std::to_string(kPackFormat) + ")");
  }
  if (env.format == 0) return malformed("format 0");
  if (o.via.array.size != kEnvelopeArity) {
    return malformed(std::to_string(o.via.array.size) + " fields, expected 7");
  }
  if (a[2].type != msgpack::type::BIN) return malformed("manifest not bin");
  if (a[3].type != msgpack::type::STR) return malformed("key id not a string");
  if (a[4].type != msgpack::type::BIN) return malformed("signature not bin");
  if (a[5].type != msgpack::type::POSITIVE_INTEGER) return malformed("codec not an integer");
  if (a[6].type != msgpack::type::BIN) return malformed("files not bin");
  env.manifest_json = view_bin(a[2]);
  env.key_id = std::string(view_str(a[3]));
  if (env.key_id.size() != kKeyIdHexDigits || !is_lower_hex(env.key_id)) {
    return malformed("key id is not 16 lower-case hex digits");
  }
  env.signature = view_bin(a[4]);
  if (env.signature.size() != kSignatureBytes) {
    return malformed("signature is " + std::to_string(env.signature.size()) +
                     " bytes, expected 64");
  }
  env.codec = a[5].via.u64;
  if (env.codec != kCodecPlain && env.codec != kCodecZstd) {
    return malformed("unknown codec " + std::to_string(env.codec));
  }
  env.files = view_bin(a[6]);
  return env;
}

// Reads the files section: a msgpack array of [path (str), content (bin)] pairs, as write_pack
// writes it. Read by hand rather than unpacked into msgpack objects: the section is not covered
// by the signature, and hostile bytes (say, millions of one-byte elements) must not make the
// reader allocate. Views point into the section; nothing is copied.
class FilesReader {
 public:
  explicit FilesReader(std::string_view bytes) : bytes_(bytes) {}

  bool array_header(std::uint32_t& n) {
    std::uint8_t t = 0;
    if (!type(t)) return false;
    if ((t & 0xf0) == 0x90) {
      n = t & 0x0f;
      return true;
    }
    if (t == 0xdc) return uint_be(2, n);
    if (t == 0xdd) return uint_be(4, n);
    return false;
  }
  bool str(std::string_view& out) {
    std::uint8_t t = 0;
    std::uint32_t len = 0;
    if (!type(t)) return false;
    if ((t & 0xe0) == 0xa0) {
      len = t & 0x1f;
    } else if (t < 0xd9 || t > 0xdb || !uint_be(std::size_t{1} << (t - 0xd9), len)) {
      return false;
    }
    return take(len, out);
  }
  bool bin(std::string_view& out) {
    std::uint8_t t = 0;
    std::uint32_t len = 0;
    if (!type(t) || t < 0xc4 || t > 0xc6 || !uint_be(std::size_t{1} << (t - 0xc4), len)) {
      return false;
    }
    return take(len, out);
  }
  bool at_end() const { return pos_ == bytes_.size(); }
  bool truncated() const { return truncated_; }

 private:
  bool take(std::size_t n, std::string_view& out) {
    if (bytes_.size() - pos_ < n) {
      truncated_ = true;
      return false;
    }
    out = bytes_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool type(std::uint8_t& t) {
    std::string_view b;
    if (!take(1, b)) return false;
    t = static_cast<std::uint8_t>(b[0]);
    return true;
  }
  bool uint_be(std::size_t width, std::uint32_t& out) {
    std::string_view b;
    if (!take(width, b)) return false;
    out = 0;
    for (const char c : b) out = (out << 8) | static_cast<unsigned char>(c);
    return true;
  }

  std::string_view bytes_;
  std::size_t pos_ = 0;
  bool truncated_ = false;
};

// The manifest of an envelope (not yet verified by the caller).
Result<Manifest> envelope_manifest(const Envelope& env) {
  auto manifest = parse_manifest(env.manifest_json);
  if (!manifest) return tl::unexpected(manifest.error());
  if (static_cast<std::uint64_t>(manifest->format) != env.format) {
    return malformed("the manifest's format " + std::to_string(manifest->format) +
                     " differs from the file's " + std::to_string(env.format));
  }
  if (manifest->files.size() > kMaxPackFiles) {
    return fail(ErrorCode::kTooLarge, "the manifest lists " +
                                          std::to_string(manifest->files.size()) +
                                          " files, above the limit of 20000");
  }
  return manifest;
}

// The files of a verified envelope: exactly the manifest's, each with its size and SHA-256.
Result<std::map<std::string, std::string>> read_files(const Envelope& env,
                                                      const Manifest& manifest) {
  std::string plain;
  std::string_view blob = env.files;
  if (env.codec == kCodecZstd) {
    switch (zstd_decompress(env.files, kMaxPackBytes, plain)) {
      case ZstdStatus::kOk:
        break;
      case ZstdStatus::kBadFrame:
        return malformed("files: bad zstd frame");
      case ZstdStatus::kTooLarge:
        return fail(ErrorCode::kTooLarge, "pack files decompress beyond the limit of 64 MiB");
      case ZstdStatus::kCorrupt:
        return malformed("files: zstd data does not decompress");
    }
    blob = plain;
  }
  FilesReader reader(blob);
  std::uint32_t count = 0;
  if (!reader.array_header(count)) {
    return malformed(reader.truncated() ? "files truncated" : "files not an array");
  }
  if (count > kMaxPackFiles) {
    return fail(ErrorCode::kTooLarge, "pack files exceed a size limit (" + std::to_string(count) +
                                          " entries, at most 20000)");
  }

  std::map<std::string_view, const ManifestFile*> listed;
  for (const ManifestFile& f : manifest.files) listed.emplace(f.path, &f);
  std::map<std::string, std::string> files;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint32_t arity = 0;
    std::string_view path;
    std::string_view content;
    if (!reader.array_header(arity) || arity != 2 || !reader.str(path) || !reader.bin(content)) {
      if (reader.truncated()) return malformed("files truncated");
      return malformed("files[" + std::to_string(i) + "] is not a [path, content] pair");
    }
    if (content.size() > kMaxPackFileBytes) {
      return fail(ErrorCode::kTooLarge,
                  "pack files exceed a size limit (files[" + std::to_string(i) + "] is " +
                      std::to_string(content.size()) + " bytes, at most 4 MiB)");
    }
    const auto it = listed.find(path);
    if (it == listed.end()) {
      return malformed("file " + printable(path) + " is not in the manifest");
    }
    const ManifestFile& f = *it->second;
    if (files.count(f.path) != 0) return malformed("file " + f.path + " appears twice");
    if (content.size() != f.size) {
      return malformed("file " + f.path + " is " + std::to_string(content.size()) +
                       " bytes, the manifest says " + std::to_string(f.size));
    }
    if (sha256_hex(content) != f.sha256) {
      return malformed("file " + f.path + " does not match its SHA-256 in the manifest");
    }
    files.emplace(f.path, std::string(content));
  }
  if (!reader.at_end()) return malformed("trailing bytes after the files");
  for (const ManifestFile& f : manifest.files) {
    if (files.count(f.path) == 0) {
      return malformed("file " + f.path + " listed in the manifest is missing");
    }
  }
  return files;
}

// Checks that `manifest.files` describes `files` exactly, within the limits.
Result<void> check_files(const Manifest& manifest,
                         const std::map<std::string, std::string>& files) {
  if (files.size() > kMaxPackFiles) {
    return fail(ErrorCode::kTooLarge, "a pack holds at most 20000 files");
  }
  if (manifest.files.size() != files.size()) {
    return fail(ErrorCode::kInvalidArgument,
                "the manifest lists " + std::to_string(manifest.files.size()) +
                    " files but there are " + std::to_string(files.size()));
  }
  for (const ManifestFile& f : manifest.files) {
    const auto it = files.find(f.path);
    if (it == files.end()) {
      return fail(ErrorCode::kInvalidArgument, "file " + f.path + " is in the manifest only");
    }
    if (it->second.size() > kMaxPackFileBytes) {
      return fail(ErrorCode::kTooLarge, "file " + f.path + " is larger than 4 MiB");
    }
    if (it->second.size() != f.size || sha256_hex(it->second) != f.sha256) {
      return fail(ErrorCode::kInvalidArgument,
                  "file " + f.path + " does not match its size and SHA-256 in the manifest");
    }
  }
  return ok();
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &len, EVP_sha256(), nullptr) != 1) {
    return {};
  }
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  out.reserve(std::size_t{2} * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

void make_manifest_files(Manifest& manifest, const std::map<std::string, std::string>& files) {
  manifest.files.clear();
  manifest.files.reserve(files.size());
  for (const auto& [path, content] : files) {
    ManifestFile f;
    f.path = path;
    if (path == manifest.field_mappings || path == "field_mappings.yaml") {
      f.kind = PackFileKind::kFieldMappings;
    } else if (path.starts_with("correlation/")) {
      f.kind = PackFileKind::kCorrelation;
    } else if (path.starts_with("packet_rules/")) {
      f.kind = PackFileKind::kPacket;
    } else {
      f.kind = PackFileKind::kSigma;  // rules/ (and anything else)
    }
    f.sha256 = sha256_hex(content);
    f.size = content.size();
    manifest.files.push_back(std::move(f));
  }
}

Result<std::string> write_pack(const Manifest& manifest,
                               const std::map<std::string, std::string>& files,
                               const SecretKey& key) {
  if (manifest.format != kPackFormat) {
    return fail(ErrorCode::kInvalidArgument,
                "can only write pack format " + std::to_string(kPackFormat));
  }
  const std::string json = to_json(manifest);
  auto reparsed = parse_manifest(json);
  if (!reparsed) {
    return fail(ErrorCode::kInvalidArgument, "invalid manifest: " + reparsed.error().message);
  }
  if (*reparsed != manifest) {
    return fail(ErrorCode::kInvalidArgument,
                "the manifest does not survive JSON encoding (its text must be valid UTF-8)");
  }
  if (auto r = check_files(manifest, files); !r) return tl::unexpected(r.error());
  const std::string key_id = key.public_key().id();
  if (key_id.empty()) return fail(ErrorCode::kInvalidArgument, "no secret key to sign with");
  auto signature = key.sign(signed_message(json));
  if (!signature) return tl::unexpected(signature.error());

  msgpack::sbuffer files_buf;
  Packer files_pk(files_buf);
  files_pk.pack_array(static_cast<std::uint32_t>(manifest.files.size()));
  for (const ManifestFile& f : manifest.files) {
    files_pk.pack_array(2);
    files_pk.pack(f.path);
    pack_bin(files_pk, files.at(f.path));
  }
  const std::string_view plain(files_buf.data(), files_buf.size());
  if (plain.size() > kMaxPackBytes) {
    return fail(ErrorCode::kTooLarge, "the pack's files exceed the limit of 64 MiB");
  }
  const std::string packed = zstd_compress(plain, kZstdLevel);
  const bool use_zstd = !packed.empty() && packed.size() < plain.size();

  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_array(kEnvelopeArity);
  pk.pack(std::string(kMagic));
  pk.pack(static_cast<std::uint64_t>(manifest.format));
  pack_bin(pk, json);
  pk.pack(key_id);
  pack_bin(pk, *signature);
  pk.pack(use_zstd ? kCodecZstd : kCodecPlain);
  pack_bin(pk, use_zstd ? std::string_view(packed) : plain);
  if (buf.size() > kMaxPackBytes) {
    return fail(ErrorCode::kTooLarge, "the pack file would exceed the limit of 64 MiB");
  }
  return std::string(buf.data(), buf.size());
}

Result<VerifiedPack> read_pack(std::string_view bytes, const std::vector<PublicKey>& trusted) {
  auto env = read_envelope(bytes);
  if (!env) return tl::unexpected(env.error());
  // The signature before anything in the manifest is parsed.
  const std::string message = signed_message(env->manifest_json);
  bool known = false;
  bool good = false;
  for (const PublicKey& key : trusted) {
    if (key.id() != env->key_id) continue;
    known = true;
    if (key.verify(message, env->signature)) {
      good = true;
      break;
    }
  }
  if (!known) {
    return fail(ErrorCode::kInvalidArgument,
                "signed by key " + env->key_id + ", which is not trusted");
  }
  if (!good) return fail(ErrorCode::kInvalidArgument, "bad signature (tampered or wrong key)");
  auto manifest = envelope_manifest(*env);
  if (!manifest) return tl::unexpected(manifest.error());
  auto files = read_files(*env, *manifest);
  if (!files) return tl::unexpected(files.error());
  VerifiedPack out;
  out.manifest = std::move(*manifest);
  out.files = std::move(*files);
  out.signer_id = env->key_id;
  return out;
}

Result<UnverifiedManifest> peek_manifest(std::string_view bytes) {
  auto env = read_envelope(bytes);
  if (!env) return tl::unexpected(env.error());
  auto manifest = envelope_manifest(*env);
  if (!manifest) return tl::unexpected(manifest.error());
  return UnverifiedManifest{std::move(*manifest), env->key_id};
}

}  // namespace soc::pack
