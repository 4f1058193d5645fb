#include "collector/web/api_client.h"

#include <cstdlib>

#include <httplib.h>

namespace soc::collector {

struct ApiClient::Impl {
  std::unique_ptr<httplib::Client> client;
  httplib::Headers headers;
};

namespace {

Result<nlohmann::json> answer(const httplib::Result& result, const std::string& what) {
  if (!result) {
    return fail(ErrorCode::kIo, what + ": " + httplib::to_string(result.error()));
  }
  const httplib::Response& res = *result;
  nlohmann::json body = nlohmann::json::parse(res.body, nullptr, false);
  if (res.status >= 200 && res.status < 300) {
    if (body.is_discarded()) return fail(ErrorCode::kIo, what + ": the answer is not JSON");
    return body;
  }
  std::string message = "HTTP " + std::to_string(res.status);
  if (!body.is_discarded() && body.is_object() && body.contains("error") &&
      body["error"].is_string()) {
    message = body["error"].get<std::string>() + " (" + message + ")";
  }
  ErrorCode code = ErrorCode::kIo;
  switch (res.status) {
    case 400:
    case 401:
    case 403:
      code = ErrorCode::kInvalidArgument;
      break;
    case 404:
      code = ErrorCode::kNotFound;
      break;
    case 409:
      code = ErrorCode::kConflict;
      break;
    case 413:
    case 414:
    case 431:
      code = ErrorCode::kTooLarge;
      break;
    default:
      break;
  }
  return fail(code, what + ": " + message);
}

}  // namespace

std::string percent_encode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

ApiClientOptions ApiClient::with_environment(ApiClientOptions options) {
  const auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v != nullptr ? v : "");
  };
  if (options.url.empty()) options.url = env("SOC_URL");
  if (options.token.empty()) options.token = env("SOC_TOKEN");
  if (options.ca_cert.empty()) options.ca_cert = env("SOC_CA_CERT");
  return options;
}

ApiClient::ApiClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiClient::~ApiClient() = default;

Result<std::unique_ptr<ApiClient>> ApiClient::open(const ApiClientOptions& options) {
  std::string url = options.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  const bool https = url.starts_with("https://");
  if (!https && !url.starts_with("http://")) {
    return fail(ErrorCode::kInvalidArgument,
                "--url '" + options.url + "': expected http://HOST:PORT or https://HOST:PORT");
  }
  if (url.find('/', https ? 8 : 7) != std::string::npos) {
    return fail(ErrorCode::kInvalidArgument,
                "--url '" + options.url + "': give the collector's base URL, without a path");
  }
  if (options.token.empty()) {
    return fail(ErrorCode::kInvalidArgument, "--token (or SOC_TOKEN) is needed with --url");
  }
  auto impl = std::make_unique<Impl>();
  impl->client = std::make_unique<httplib::Client>(url);
  if (!impl->client->is_valid()) {
    return fail(ErrorCode::kInvalidArgument, "--url '" + options.url + "': not usable");
  }
  if (https) {
    impl->client->enable_server_certificate_verification(true);
    if (!options.ca_cert.empty()) impl->client->set_ca_cert_path(options.ca_cert.c_str());
  }
  impl->client->set_connection_timeout(options.timeout_s, 0);
  impl->client->set_read_timeout(options.timeout_s, 0);
  impl->client->set_write_timeout(options.timeout_s, 0);
  impl->headers = {{"Authorization", "Bearer " + options.token}, {"Accept", "application/json"}};
  return std::unique_ptr<ApiClient>(new ApiClient(std::move(impl)));
}

Result<nlohmann::json> ApiClient::get(const std::string& path, const QueryParams& params) {
  std::string target = path;
  char sep = '?';
  for (const auto& [name, value] : params) {
    target += sep + percent_encode(name) + "=" + percent_encode(value);
    sep = '&';
  }
  try {
    return answer(impl_->client->Get(target.c_str(), impl_->headers), "GET " + path);
  } catch (const std::exception& e) {
    return fail(ErrorCode::kIo, "GET " + path + ": " + e.what());
  }
}

Result<nlohmann::json> ApiClient::post(const std::string& path, const nlohmann::json& body) {
  try {
    const std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return answer(impl_->client->Post(path.c_str(), impl_->headers, text, "application/json"),
                  "POST " + path);
  } catch (const std::exception& e) {
    return fail(ErrorCode::kIo, "POST " + path + ": " + e.what());
  }
}

}  // namespace soc::collector
