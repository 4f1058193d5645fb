// The collector's HTTP JSON API through a real soc-collector on loopback and a real HTTP client
// (cpp-httplib): authentication, roles, limits and malformed requests, incidents ack/close with
// the token's name as actor, event search, and socctl --url.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <nlohmann/json.hpp>

#include "collector/store/incident_store.h"
#include "tests/integration/harness.h"

namespace soc::testing {
namespace {

using Json = nlohmann::json;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The token socctl printed (its line on stdout; stderr explains).
std::string token_from(const CommandResult& r) {
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("soc_")) return line;
  }
  return "";
}

// A self-signed certificate for 127.0.0.1 (P-256, a day): cert_path and key_path, PEM.
bool write_self_signed_cert(const std::string& cert_path, const std::string& key_path) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  X509* cert = X509_new();
  bool ok = key != nullptr && cert != nullptr;
  if (ok) {
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86'400);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                                     std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      ok = ok && ext != nullptr && X509_add_ext(cert, ext, -1) == 1;
      X509_EXTENSION_free(ext);
    }
    ok = ok && X509_sign(cert, key, EVP_sha256()) > 0;
  }
  FILE* c = ok ? std::fopen(cert_path.c_str(), "w") : nullptr;
  FILE* k = ok ? std::fopen(key_path.c_str(), "w") : nullptr;
  ok = ok && c != nullptr && k != nullptr && PEM_write_X509(c, cert) == 1 &&
       PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  if (c != nullptr) std::fclose(c);
  if (k != nullptr) std::fclose(k);
  X509_free(cert);
  EVP_PKEY_free(key);
  return ok;
}

// A deployment whose collector serves the API on a free loopback port, with an analyst token
// (alice) and an admin token (root).
class Api : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = free_tcp_port();
    std::ofstream(d_.collector_config(), std::ios::app)
        << "api:\n  enabled: true\n  listen: 127.0.0.1:" << port_
        << "\n  max_body_bytes: 16384\n  threads: 2\n";
    analyst_ = add_token("alice", "analyst");
    admin_ = add_token("root", "admin");
    ASSERT_FALSE(analyst_.empty());
    ASSERT_FALSE(admin_.empty());
  }

  std::string add_token(const std::string& name, const std::string& role) {
    const CommandResult r = run_command(
        {SOCCTL_BIN, "--config", d_.collector_config(), "token", "add", name, "--role", role});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return token_from(r);
  }

  void start() {
    d_.start_collector();
    const bool up = wait_until(
        [&] {
          auto res = client().Get("/api/v1/health");
          return (res && res->status == 200) || !d_.collector().running();
        },
        std::chrono::seconds(20));
    ASSERT_TRUE(up && d_.collector().running()) << d_.collector().log();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  httplib::Client client() const {
    httplib::Client c(url());
    c.set_read_timeout(30, 0);
    return c;
  }
  static httplib::Headers bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }
  httplib::Result get(const std::string& path, const std::string& token) {
    return client().Get(path.c_str(), bearer(token));
  }
  httplib::Result post(const std::string& path, const std::string& token, const std::string& body) {
    return client().Post(path.c_str(), bearer(token), body, "application/json");
  }
  static Json json_of(const httplib::Result& res) {
    return res ? Json::parse(res->body, nullptr, false) : Json();
  }
  // The error message of a 4xx/5xx answer (every error is {"error": "..."}).
  static std::string error_of(const httplib::Result& res) {
    const Json j = json_of(res);
    return j.is_object() && j.contains("error") && j["error"].is_string()
               ? j["error"].get<std::string>()
               : "<no JSON error: " + (res ? res->body : std::string("no answer")) + ">";
  }

  // Files an incident directly in the collector's store (as the correlator would).
  std::int64_t file_incident(const std::string& rule_id) {
    auto store = collector::IncidentStore::open(d_.dir() + "/store/events.db");
    EXPECT_TRUE(store) << store.error().message;
    collector::IncidentHit hit;
    hit.rule_id = rule_id;
    hit.title = "SSH brute force";
    hit.level = "high";
    hit.origin = "correlation";
    hit.group_key = "source.ip=203.0.113.9";
    hit.first_ns = 1'000'000'000;
    hit.last_ns = 2'000'000'000;
    hit.agencies = {"health"};
    hit.hosts = {"web-1"};
    auto incident = (*store)->record_hit(hit);
    EXPECT_TRUE(incident) << incident.error().message;
    return incident->id;
  }

  Deployment d_;
  int port_ = 0;
  std::string analyst_;
  std::string admin_;
};

TEST_F(Api, HealthNeedsNoToken) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto res = client().Get("/api/v1/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json_of(res)["status"], "ok");
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
}

TEST_F(Api, MissingWrongOrRevokedTokensAre401) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto none = client().Get("/api/v1/incidents");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_TRUE(none->get_header_value("WWW-Authenticate").starts_with("Bearer"));
  EXPECT_TRUE(contains(error_of(none), "Bearer")) << error_of(none);

  for (const std::string& wrong :
       {std::string("soc_") + std::string(64, '0'), analyst_ + "x", std::string(5000, 'a')}) {
    auto res = get("/api/v1/incidents", wrong);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401);
    EXPECT_TRUE(contains(res->get_header_value("WWW-Authenticate"), "invalid_token"));
  }
  httplib::Headers basic{{"Authorization", "Basic YWxpY2U6cHc="}};
  auto res = client().Get("/api/v1/incidents", basic);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);

  // Revoking works on the running collector: it re-reads the tokens file when it changes.
  EXPECT_EQ(get("/api/v1/incidents", analyst_)->status, 200);
  const CommandResult r =
      run_command({SOCCTL_BIN, "--config", d_.collector_config(), "token", "revoke", "alice"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(get("/api/v1/incidents", analyst_)->status, 401);
  EXPECT_EQ(get("/api/v1/incidents", admin_)->status, 200);
}

TEST_F(Api, AnalystsReadAndActAdminsAlsoSeeAgentsAndPacks) {
  d_.add_agent("web-1", {d_.dir() + "/none.log"}, true);
  ASSERT_NO_FATAL_FAILURE(start());
  for (const char* path : {"/api/v1/agents", "/api/v1/packs"}) {
    auto res = get(path, analyst_);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403) << path;
    EXPECT_TRUE(contains(error_of(res), "admin")) << error_of(res);
  }
  auto agents = get("/api/v1/agents", admin_);
  ASSERT_TRUE(agents);
  ASSERT_EQ(agents->status, 200) << agents->body;
  const Json list = json_of(agents)["agents"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["name"], "web-1");
  EXPECT_EQ(list[0]["agency"], "test-agency");
  auto packs = get("/api/v1/packs", admin_);
  ASSERT_TRUE(packs);
  EXPECT_EQ(packs->status, 200);
  EXPECT_TRUE(json_of(packs)["current"].is_null());
  EXPECT_TRUE(json_of(packs)["history"].is_array());
  for (const char* path : {"/api/v1/events", "/api/v1/incidents"}) {
    EXPECT_EQ(get(path, analyst_)->status, 200) << path;
    EXPECT_EQ(get(path, admin_)->status, 200) << path;
  }
}

TEST_F(Api, IncidentsAckAndCloseRecordTheTokensName) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::int64_t id = file_incident("ssh-bf");
  const std::string base = "/api/v1/incidents/" + std::to_string(id);

  auto list = get("/api/v1/incidents?state=open", analyst_);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200);
  ASSERT_EQ(json_of(list)["incidents"].size(), 1u);
  EXPECT_EQ(json_of(list)["incidents"][0]["id"], id);

  auto ack = post(base + "/ack", analyst_, R"({"note": "on it"})");
  ASSERT_TRUE(ack);
  ASSERT_EQ(ack->status, 200) << ack->body;
  EXPECT_EQ(json_of(ack)["state"], "acknowledged");
  EXPECT_EQ(json_of(ack)["state_by"], "alice");
  auto again = post(base + "/ack", analyst_, R"({"note": "me too"})");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409) << again->body;

  auto close = post(base + "/close", admin_, "");  // the note is optional
  ASSERT_TRUE(close);
  ASSERT_EQ(close->status, 200) << close->body;
  EXPECT_EQ(json_of(close)["state"], "closed");

  auto show = get(base, analyst_);
  ASSERT_TRUE(show);
  ASSERT_EQ(show->status, 200);
  const Json incident = json_of(show);
  EXPECT_EQ(incident["title"], "SSH brute force");
  EXPECT_EQ(incident["hosts"], Json::array({"web-1"}));
  EXPECT_TRUE(incident["evidence"].is_array());
  // The history (after the filing itself, if the store records it): alice's ack, root's close.
  std::vector<std::string> history;
  for (const Json& c : incident["changes"]) {
    if (c["state"] != "open") {
      history.push_back(c["state"].get<std::string>() + " by " + c["actor"].get<std::string>() +
                        ": " + c["note"].get<std::string>());
    }
  }
  EXPECT_EQ(history,
            (std::vector<std::string>{"acknowledged by alice: on it", "closed by root: "}));
  EXPECT_EQ(json_of(get("/api/v1/incidents?state=open", analyst_))["incidents"].size(), 0u);
  EXPECT_EQ(json_of(get("/api/v1/incidents?state=closed", analyst_))["incidents"].size(), 1u);

  for (const std::string path : {"/api/v1/incidents/999999", "/api/v1/incidents/999999/ack"}) {
    auto res = path.ends_with("ack") ? post(path, analyst_, "{}") : get(path, analyst_);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404) << path;
    EXPECT_TRUE(contains(error_of(res), "no incident 999999"));
  }
}

TEST_F(Api, MalformedOversizedAndUnknownRequestsGetTheRight4xx) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::int64_t id = file_incident("web-scan");
  const std::string ack = "/api/v1/incidents/" + std::to_string(id) + "/ack";
  struct BadBody {
    std::string body;
    std::string message;
  };
  for (const BadBody& b :
       {BadBody{"{not json", "not valid JSON"}, BadBody{"[1, 2]", "must be a JSON object"},
        BadBody{R"({"note": 5})", "note: expected a string"},
        BadBody{R"({"notes": "x"})", "unknown body key 'notes'"},
        BadBody{R"({"note": ")" + std::string(5000, 'x') + "\"}", "at most"}}) {
    auto res = post(ack, analyst_, b.body);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << b.body;
    EXPECT_TRUE(contains(error_of(res), b.message)) << error_of(res);
  }
  // Nothing above changed the incident.
  EXPECT_EQ(json_of(get("/api/v1/incidents/" + std::to_string(id), analyst_))["state"], "open");

  auto big = post(ack, analyst_, R"({"note": ")" + std::string(100'000, 'x') + "\"}");
  if (big) {  // the server may also close the connection before reading it all
    EXPECT_EQ(big->status, 413);
    EXPECT_FALSE(error_of(big).empty());
  }

  struct BadGet {
    std::string path;
    int status;
    std::string message;
  };
  const BadGet cases[] = {
      {"/api/v1/incidents/abc", 400, "expected a number"},
      {"/api/v1/incidents?limit=0", 400, "limit '0': expected 1-10000"},
      {"/api/v1/incidents?limit=20000", 400, "expected 1-10000"},
      {"/api/v1/incidents?limit=12abc", 400, "limit"},
      {"/api/v1/incidents?state=pending", 400, "state 'pending'"},
      {"/api/v1/incidents?colour=red", 400, "unknown parameter 'colour'"},
      {"/api/v1/incidents?limit=1&limit=2", 400, "more than once"},
      {"/api/v1/events?since=yesterday", 400, "since"},
      {"/api/v1/events?kind=mail", 400, "kind 'mail'"},
      {"/api/v1/events?q=user.name%3A%20(alice", 400, "q: column"},
      {"/api/v1/nothing", 404, "no such endpoint"},
      {"/other", 404, "no such endpoint"},
  };
  for (const BadGet& c : cases) {
    auto res = get(c.path, analyst_);
    ASSERT_TRUE(res) << c.path;
    EXPECT_EQ(res->status, c.status) << c.path;
    EXPECT_TRUE(contains(error_of(res), c.message)) << c.path << ": " << error_of(res);
  }
  auto q = get("/api/v1/events?q=user.name%3A%20(alice", analyst_);
  EXPECT_TRUE(json_of(q)["column"].is_number());

  auto put = client().Put("/api/v1/incidents", bearer(analyst_), "{}", "application/json");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 405);
  EXPECT_EQ(put->get_header_value("Allow"), "GET");
  auto get_ack = get(ack, analyst_);
  ASSERT_TRUE(get_ack);
  EXPECT_EQ(get_ack->status, 405);
  EXPECT_EQ(get_ack->get_header_value("Allow"), "POST");

  auto long_uri = get("/api/v1/events?q=" + std::string(20'000, 'a'), analyst_);
  ASSERT_TRUE(long_uri);
  EXPECT_EQ(long_uri->status, 414);

  httplib::Headers huge = bearer(analyst_);
  huge.emplace("X-Padding", std::string(20'000, 'p'));
  auto big_header = client().Get("/api/v1/incidents", huge);
  if (big_header) {  // refused as a bad request, or the connection is closed
    EXPECT_GE(big_header->status, 400);
    EXPECT_LT(big_header->status, 500);
  }
  // The collector is still serving.
  EXPECT_EQ(client().Get("/api/v1/health")->status, 200);
  EXPECT_TRUE(d_.collector().running());
}

TEST_F(Api, EventsSearchReturnsStoredEvents) {
  const std::string log = d_.dir() + "/app.log";
  std::ofstream(log) << "user alice logged in from 10.0.0.1\n"
                        "disk full on /var\n"
                        "user bob logged in from 10.0.0.2\n";
  d_.add_agent("web-1", {log}, true);
  ASSERT_NO_FATAL_FAILURE(start());
  d_.start_agent("web-1");
  ASSERT_TRUE(wait_until([&] { return d_.stored_count() == 3; }, std::chrono::seconds(30)));

  auto all = get("/api/v1/events?limit=10", analyst_);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->status, 200) << all->body;
  ASSERT_EQ(json_of(all)["events"].size(), 3u);
  EXPECT_EQ(json_of(all)["events"][0]["agent"]["name"], "web-1");
  EXPECT_TRUE(json_of(all)["events"][0]["event"]["id"].is_string());

  auto disk = get("/api/v1/events?q=disk&agent=web-1&kind=log&since=1d", analyst_);
  ASSERT_TRUE(disk);
  ASSERT_EQ(disk->status, 200) << disk->body;
  ASSERT_EQ(json_of(disk)["events"].size(), 1u);
  EXPECT_EQ(json_of(disk)["events"][0]["message"], "disk full on /var");

  auto logged = get("/api/v1/events?q=logged%20and%20not%20bob", analyst_);
  ASSERT_EQ(json_of(logged)["events"].size(), 1u);
  EXPECT_TRUE(contains(json_of(logged)["events"][0]["message"].get<std::string>(), "alice"));
  EXPECT_EQ(json_of(get("/api/v1/events?limit=2", analyst_))["events"].size(), 2u);
  EXPECT_EQ(json_of(get("/api/v1/events?agent=other", analyst_))["events"].size(), 0u);
}

TEST_F(Api, SocctlUsesTheApiWithUrlAndToken) {
  const std::string log = d_.dir() + "/app.log";
  std::ofstream(log) << "disk full on /var\n";
  d_.add_agent("web-1", {log}, true);
  ASSERT_NO_FATAL_FAILURE(start());
  d_.start_agent("web-1");
  ASSERT_TRUE(wait_until([&] { return d_.stored_count() == 1; }, std::chrono::seconds(30)));
  const std::int64_t id = file_incident("ssh-bf");
  const std::vector<std::string> remote{SOCCTL_BIN, "--url", url(), "--token", analyst_};
  const auto run = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = remote;
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
  };

  CommandResult r = run({"events", "disk", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Json event = Json::parse(r.output, nullptr, false);
  ASSERT_TRUE(event.is_object()) << r.output;
  EXPECT_EQ(event["message"], "disk full on /var");

  r = run({"incidents"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "SSH brute force")) << r.output;

  r = run({"incident", "ack", std::to_string(id), "--note", "looking"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "acknowledged by alice")) << r.output;
  r = run({"incident", "show", std::to_string(id)});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "acknowledged by alice: looking")) << r.output;
  r = run({"incident", "show", "999999"});
  EXPECT_EQ(r.exit_code, 3) << r.output;

  r = run({"agent", "list"});  // analysts may not
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "HTTP 403")) << r.output;
  r = run_command({SOCCTL_BIN, "--url", url(), "--token", admin_, "agent", "list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Json::parse(r.output, nullptr, false)["name"], "web-1");

  r = run_command({SOCCTL_BIN, "--url", url(), "--token", "soc_wrong", "incidents"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "HTTP 401")) << r.output;
  r = run({"agent", "add", "x", "--key", "k"});  // enrolment stays local
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.output, "--config")) << r.output;
}

TEST_F(Api, TokenListShowsNamesAndRolesOnly) {
  const CommandResult r =
      run_command({SOCCTL_BIN, "--config", d_.collector_config(), "token", "list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, R"({"name":"alice","role":"analyst"})")) << r.output;
  EXPECT_TRUE(contains(r.output, R"({"name":"root","role":"admin"})")) << r.output;
  EXPECT_FALSE(contains(r.output, analyst_.substr(4)));
  struct stat st {};
  ASSERT_EQ(::stat((d_.dir() + "/store/api_tokens").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(Api, ServesHttpsWithTheConfiguredCertificate) {
  const std::string cert = d_.dir() + "/api-cert.pem";
  const std::string key = d_.dir() + "/api-key.pem";
  ASSERT_TRUE(write_self_signed_cert(cert, key));
  std::ofstream(d_.collector_config(), std::ios::app)
      << "  tls_cert: " << cert << "\n  tls_key: " << key << "\n";
  d_.start_collector();
  const std::string https = "https://127.0.0.1:" + std::to_string(port_);
  httplib::Client trusting(https);
  trusting.enable_server_certificate_verification(true);
  trusting.set_ca_cert_path(cert.c_str());
  const bool up = wait_until(
      [&] {
        auto res = trusting.Get("/api/v1/health");
        return (res && res->status == 200) || !d_.collector().running();
      },
      std::chrono::seconds(20));
  ASSERT_TRUE(up && d_.collector().running()) << d_.collector().log();
  auto incidents = trusting.Get("/api/v1/incidents", bearer(analyst_));
  ASSERT_TRUE(incidents);
  EXPECT_EQ(incidents->status, 200);

  // Plain HTTP to the TLS port, or a client that does not trust the certificate: no answer.
  auto plain = client().Get("/api/v1/health");
  EXPECT_FALSE(plain && plain->status == 200);
  httplib::Client untrusting(https);
  untrusting.enable_server_certificate_verification(true);
  untrusting.set_ca_cert_path((d_.dir() + "/none.pem").c_str());
  EXPECT_FALSE(untrusting.Get("/api/v1/health"));

  CommandResult r = run_command(
      {SOCCTL_BIN, "--url", https, "--token", analyst_, "--ca-cert", cert, "incidents", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = run_command({SOCCTL_BIN, "--url", https, "--token", analyst_, "incidents"});
  EXPECT_EQ(r.exit_code, 1) << r.output;  // the system's CAs do not vouch for it
  EXPECT_TRUE(d_.collector().running());
}

TEST_F(Api, UnusableTlsFilesStopTheCollector) {
  std::ofstream(d_.collector_config(), std::ios::app)
      << "  tls_cert: " << d_.dir() << "/missing.pem\n  tls_key: " << d_.dir() << "/missing.key\n";
  d_.start_collector();
  EXPECT_EQ(d_.collector().wait(), 1);
  EXPECT_TRUE(contains(d_.collector().log(), "cannot use the TLS certificate"))
      << d_.collector().log();
}

}  // namespace
}  // namespace soc::testing
